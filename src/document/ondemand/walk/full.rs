//! The types and values only the full reading (`Reading::Full`, `callq check`) reads: the
//! callRecord's own members, failure info, feedback, participants, trace-route hops, and the
//! `Int32`/`Boolean`/enumeration-array conversions. Their member arms come from the property
//! table, as the analyze types' do; under `FULL == false` nothing here is called.

use super::super::{Cursor, Fallback, R};
use super::{on_demand_full_arms, on_demand_members, on_demand_read};
use crate::model::*;
use crate::properties::{self, split_by_reading};

impl<'a, const FULL: bool> Cursor<'a, FULL> {
    /// A callRecord's `full` member at the cursor, read into `r`: `true` when `key` is one
    /// (the caller reads `sessions`, `id`, `version` and the nextLink itself), `false` with
    /// nothing consumed otherwise.
    pub(in super::super) fn record_member(
        &mut self,
        r: &mut CallRecord<'a>,
        key: &[u8],
    ) -> R<bool> {
        Ok(properties::call_record!(split_by_reading! on_demand_full_arms, self, r, key))
    }

    pub(in super::super) fn failure_info(&mut self) -> R<Option<FailureInfo<'a>>> {
        self.object(|c, f: &mut FailureInfo<'a>, key| {
            properties::failure_info!(split_by_reading! on_demand_members, c, f, key);
            Ok(())
        })
    }

    pub(in super::super) fn feedback(&mut self) -> R<Option<UserFeedback<'a>>> {
        self.object(|c, f: &mut UserFeedback<'a>, key| {
            properties::user_feedback!(split_by_reading! on_demand_members, c, f, key);
            Ok(())
        })
    }

    /// `feedbackTokenSet` is an open type: its boolean members are the tokens (a repeated
    /// key keeps its first place and its last value); annotations and members of any other
    /// type are validated and ignored, as the tape walk ignores them.
    pub(in super::super) fn feedback_tokens(&mut self) -> R<&'a [(&'a str, bool)]> {
        let mut tokens = bumpalo::collections::Vec::new_in(self.bump);
        self.or_null(|c| {
            c.object_into(&mut tokens, |c, tokens, key| {
                if !key.starts_with(b"@")
                    && matches!(c.peek()?, b't' | b'f')
                    && let Some(b) = c.boolean()?
                {
                    let key = std::str::from_utf8(key).map_err(|_| Fallback)?;
                    match tokens.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = b,
                        None => tokens.push((key, b)),
                    }
                    return Ok(());
                }
                c.skip_value()
            })
        })?;
        Ok(tokens.into_bump_slice())
    }

    /// The user agent's subtype, from its `@odata.type` (as the tape walk reads it).
    pub(in super::super) fn user_agent_kind(&mut self) -> R<UserAgentKind<'a>> {
        Ok(
            match self.annotation()?.map(|t| t.trim_start_matches('#')) {
                None => UserAgentKind::Unspecified,
                Some("microsoft.graph.callRecords.clientUserAgent") => UserAgentKind::Client,
                Some("microsoft.graph.callRecords.serviceUserAgent") => UserAgentKind::Service,
                Some(other) => UserAgentKind::Other(other),
            },
        )
    }

    pub(in super::super) fn hop(&mut self, h: &mut TraceRouteHop<'a>) -> R<()> {
        self.object_into(h, |c, h, key| {
            properties::trace_route_hop!(split_by_reading! on_demand_members, c, h, key);
            Ok(())
        })
    }

    /// An identity set read in place, as an array element (`identity_set` boxes one).
    pub(in super::super) fn identity_set_into(&mut self, s: &mut IdentitySet<'a>) -> R<()> {
        self.object_into(s, |c, s, key| {
            properties::identity_set!(split_by_reading! on_demand_members, c, s, key);
            Ok(())
        })
    }

    /// A participant (or `null`) in the arena.
    pub(in super::super) fn participant(&mut self) -> R<Option<&'a Participant<'a>>> {
        self.boxed_object(|c, p: &mut Participant<'a>, key| {
            properties::participant!(split_by_reading! on_demand_members, c, p, key);
            Ok(())
        })
    }

    /// A participant read in place, as an array element.
    pub(in super::super) fn participant_into(&mut self, p: &mut Participant<'a>) -> R<()> {
        self.object_into(p, |c, p, key| {
            properties::participant!(split_by_reading! on_demand_members, c, p, key);
            Ok(())
        })
    }

    /// `administrativeUnitInfos[*].id`: each non-null element an object, its last `id`.
    pub(in super::super) fn administrative_unit_ids(&mut self) -> R<&'a [Option<&'a str>]> {
        self.values(|c| {
            let mut id = None;
            c.object_into(&mut id, |c, id, key| {
                if key == b"id" {
                    *id = c.string()?;
                    Ok(())
                } else {
                    c.skip_value()
                }
            })?;
            Ok(id)
        })
    }

    /// An array of enumeration members (or `null`, then empty), `null` elements skipped.
    pub(in super::super) fn enum_array<E>(&mut self, from_wire: fn(&'a str) -> E) -> R<&'a [E]> {
        self.values(|c| c.enumeration(from_wire)?.ok_or(Fallback))
    }

    /// An array (or `null`, then empty) of values read by `element` into the arena, `null`
    /// elements skipped.
    fn values<T>(&mut self, mut element: impl FnMut(&mut Self) -> R<T>) -> R<&'a [T]> {
        match self.peek()? {
            b'[' => self.pos += 1,
            b'n' => return self.literal(b"null").map(|()| &[][..]),
            _ => return Err(Fallback),
        }
        let mut out = bumpalo::collections::Vec::new_in(self.bump);
        if self.peek()? == b']' {
            self.pos += 1;
            return Ok(out.into_bump_slice());
        }
        self.depth += 1;
        loop {
            if self.peek()? == b'n' {
                self.literal(b"null")?;
            } else {
                out.push(element(self)?);
            }
            match self.next()? {
                b',' => {}
                b']' => break,
                _ => return Err(Fallback),
            }
        }
        self.depth -= 1;
        Ok(out.into_bump_slice())
    }
}
