//! People and endpoints: display names, identity sets, participants, and the
//! participant or service endpoints of sessions and segments.

use super::rng::Rng;
use super::vocab::{
    CPU_NAMES, FEEDBACK_TEXTS, FEEDBACK_TOKENS, FIRST_NAMES, LAST_NAMES, NS, PLATFORMS,
    PRODUCT_FAMILIES, RATINGS, SERVICE_ROLES, SPECIAL_NAMES,
};
use super::write::{key, qs, sep, write_escaped, write_guid, write_padded, write_u64};

/// Writes a person's display name from their seed (sometimes with escapes).
fn write_person_name(b: &mut Vec<u8>, seed: u64, ascii_only: bool) {
    let mut pr = Rng::new(seed ^ 0x5eed_0000_0000_0001);
    if pr.chance(120) {
        write_escaped(b, pr.one(SPECIAL_NAMES), ascii_only);
        return;
    }
    // First and last name, joined without allocation.
    let first = pr.one(FIRST_NAMES);
    let last = pr.one(LAST_NAMES);
    let mut tmp = [0u8; 96];
    let (f, l) = (first.as_bytes(), last.as_bytes());
    tmp[..f.len()].copy_from_slice(f);
    tmp[f.len()] = b' ';
    tmp[f.len() + 1..f.len() + 1 + l.len()].copy_from_slice(l);
    let s = std::str::from_utf8(&tmp[..f.len() + 1 + l.len()]).unwrap_or("");
    write_escaped(b, s, ascii_only);
}

/// Writes an e-mail-like principal name for a person (ASCII only).
fn write_upn(b: &mut Vec<u8>, seed: u64) {
    b.push(b'"');
    b.extend_from_slice(b"user");
    write_u64(b, seed % 100_000);
    b.extend_from_slice(b"@contoso.com\"");
}

/// Writes a `graph.identitySet` for a person.
pub(super) fn write_identity_set(b: &mut Vec<u8>, seed: u64, tenant: (u64, u64), typed: bool) {
    let mut pr = Rng::new(seed ^ 0x1de7_0000_0000_0002);
    b.push(b'{');
    if typed {
        key(b, b"\"@odata.type\":\"#microsoft.graph.identitySet\"");
    }
    let kind = pr.pick(&[(850, 0u8), (70, 1), (50, 2), (30, 3)]);
    let ascii = pr.chance(150);
    match kind {
        0 => {
            key(b, b"\"user\":{\"id\":");
            write_guid(b, seed, seed.rotate_left(17));
            b.extend_from_slice(b",\"displayName\":");
            write_person_name(b, seed, ascii);
            b.extend_from_slice(b",\"tenantId\":");
            write_guid(b, tenant.0, tenant.1);
            if pr.chance(400) {
                b.extend_from_slice(b",\"userPrincipalName\":");
                write_upn(b, seed);
            }
            b.push(b'}');
            if pr.chance(200) {
                b.extend_from_slice(b",\"acsUser\":null,\"spoolUser\":null,\"phone\":null,\"guest\":null,\"encrypted\":null,\"onPremises\":null,\"acsApplicationInstance\":null,\"spoolApplicationInstance\":null,\"applicationInstance\":null,\"application\":null,\"device\":null");
            }
        }
        1 => {
            key(b, b"\"phone\":{\"id\":\"+");
            write_u64(b, 10_000_000_000 + seed % 89_999_999_999);
            b.extend_from_slice(b"\",\"displayName\":null,\"tenantId\":null}");
            key(b, b"\"user\":null");
        }
        2 => {
            key(b, b"\"guest\":{\"id\":");
            write_guid(b, seed.rotate_left(5), seed);
            b.extend_from_slice(b",\"displayName\":");
            write_person_name(b, seed, ascii);
            b.extend_from_slice(b",\"email\":\"guest");
            write_u64(b, seed % 10_000);
            b.extend_from_slice(b"@fabrikam.com\",\"tenantId\":null}");
        }
        _ => {
            key(b, b"\"application\":{\"id\":");
            write_guid(b, seed.rotate_left(9), seed);
            b.extend_from_slice(b",\"displayName\":\"Contoso Recording Bot\"}");
        }
    }
    b.push(b'}');
}

/// Writes a `participant`/`organizer` entity (beta-era `participants_v2`).
pub(super) fn write_participant(b: &mut Vec<u8>, r: &mut Rng, seed: u64, tenant: (u64, u64)) {
    b.extend_from_slice(b"{\"id\":");
    write_guid(b, seed, seed.rotate_left(17));
    b.extend_from_slice(b",\"identity\":");
    write_identity_set(b, seed, tenant, r.chance(100));
    if r.chance(300) {
        b.extend_from_slice(b",\"administrativeUnitInfos\":[{\"id\":");
        write_guid(b, tenant.1, tenant.0);
        b.extend_from_slice(b"}]");
    }
    b.push(b'}');
}

/// Writes an endpoint: a participantEndpoint for a person, or a serviceEndpoint.
pub(super) fn write_endpoint(
    b: &mut Vec<u8>,
    r: &mut Rng,
    seed: u64,
    tenant: (u64, u64),
    service: bool,
    session_level: bool,
) {
    let mut pr = Rng::new(seed ^ 0xe9d9_0000_0000_0003);
    b.push(b'{');
    if service {
        b.extend_from_slice(b"\"@odata.type\":\"#microsoft.graph.callRecords.serviceEndpoint\",\"userAgent\":{\"@odata.type\":\"#microsoft.graph.callRecords.serviceUserAgent\",\"headerValue\":");
        b.extend_from_slice(pr.one(&[
            &b"\"av-mcu/2024.1.0.1\""[..],
            b"\"Microsoft.Skype.Mcu/8.0.0\"",
            b"null",
        ]));
        b.extend_from_slice(b",\"applicationVersion\":null,\"role\":");
        qs(b, pr.pick(SERVICE_ROLES));
        b.extend_from_slice(b"}}");
        return;
    }
    b.extend_from_slice(b"\"@odata.type\":\"");
    b.extend_from_slice(NS.as_bytes());
    b.extend_from_slice(b"participantEndpoint\"");
    key(b, b"\"name\":");
    if pr.chance(500) {
        b.extend_from_slice(b"\"machineName_");
        write_u64(b, seed % 10_000);
        b.push(b'"');
    } else if pr.chance(100) {
        b.extend_from_slice(b"null");
    } else {
        b.extend_from_slice(b"\"DESKTOP-");
        write_padded(b, seed % 10_000_000, 7);
        b.push(b'"');
    }
    key(b, b"\"cpuName\":");
    qs(b, pr.one(CPU_NAMES));
    key(b, b"\"cpuCoresCount\":");
    write_u64(b, pr.one(&[2, 4, 4, 8, 8, 8, 12, 16]));
    if !pr.chance(100) {
        key(b, b"\"cpuProcessorSpeedInMhz\":");
        write_u64(b, pr.range(1200, 4200) as u64);
    }
    key(b, b"\"userAgent\":{\"@odata.type\":\"#microsoft.graph.callRecords.clientUserAgent\",\"headerValue\":");
    let platform = pr.pick(PLATFORMS);
    let family = pr.pick(PRODUCT_FAMILIES);
    let ua: &[u8] = match platform {
        b"windows" => b"\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Teams/24165.1410.2974.6689 Chrome/122.0.6261.130 Electron/29.4.0 Safari/537.36\"",
        b"macOS" => b"\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Teams/24165.1410.2974.6689\"",
        b"android" => b"\"RTCC/7.0.0.0 UCWA/7.0.0.0 AndroidLync/6.25.0.27 (SM-G930U Android 8.0.0)\"",
        b"iOS" => b"\"Teams/6.12.1 (iPhone15,2; iOS 17.5.1)\"",
        b"web" => b"\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0\"",
        _ => b"\"UCCAPI/16.0.12527.20122 OC/16.0.12527.20194 (Skype for Business)\"",
    };
    b.extend_from_slice(ua);
    b.extend_from_slice(b",\"platform\":");
    qs(b, platform);
    b.extend_from_slice(b",\"productFamily\":");
    qs(b, family);
    if !pr.chance(200) {
        b.extend_from_slice(b",\"applicationVersion\":\"");
        write_u64(b, pr.range(1, 24) as u64 * 1000 + 165);
        b.push(b'.');
        write_u64(b, pr.range(100, 2000) as u64);
        b.extend_from_slice(b".2974.6689\"");
    }
    b.extend_from_slice(b",\"azureADAppId\":");
    if pr.chance(300) {
        b.extend_from_slice(b"\"1fec8e78-bce4-4aaf-ab1b-5451cc387264\"");
    } else {
        b.extend_from_slice(b"null");
    }
    if family == b"azureCommunicationServices" {
        b.extend_from_slice(b",\"communicationServiceId\":");
        write_guid(b, seed.rotate_left(3), tenant.0);
    }
    b.push(b'}');
    key(b, b"\"identity\":");
    write_identity_set(b, seed, tenant, pr.chance(500));
    if pr.chance(100) {
        key(
            b,
            b"\"associatedIdentity\":{\"@odata.type\":\"#microsoft.graph.userIdentity\",\"id\":",
        );
        write_guid(b, seed, seed.rotate_left(17));
        b.extend_from_slice(b",\"displayName\":");
        write_person_name(b, seed, true);
        b.push(b'}');
    }
    // Feedback is per session, not per person: it comes from the session's stream.
    if session_level && r.chance(60) {
        key(b, b"\"feedback\":{\"rating\":");
        qs(b, r.pick(RATINGS));
        if r.chance(400) {
            b.extend_from_slice(b",\"text\":");
            write_escaped(b, r.one(FEEDBACK_TEXTS), r.chance(300));
        }
        b.extend_from_slice(b",\"tokens\":{");
        let n = r.range(0, FEEDBACK_TOKENS.len() as i64) as usize;
        for t in &FEEDBACK_TOKENS[..n] {
            sep(b);
            qs(b, t);
            b.push(b':');
            b.extend_from_slice(if r.chance(200) { b"true" } else { b"false" });
        }
        b.extend_from_slice(b"}}");
    }
    b.push(b'}');
}
