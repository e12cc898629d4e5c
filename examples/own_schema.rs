//! The parallel NDJSON driver reused for a schema of your own, with a borrowed
//! `#[derive(Deserialize)]` struct parsed by simd-json's serde support.
//!
//! Here the "other schema" is a paging view of the archive: which callRecord each page belongs
//! to (from `@odata.context`), how many items it holds and whether more pages follow.
//!
//! `cargo run --example own_schema -- [FILE]` (default: corpus/sample.ndjson)

use std::collections::BTreeMap;

use callq::framing::Line;
use callq::input::map_file;
use callq::parallel::{Merge, ParallelLines};
use serde::Deserialize;

/// Only the members this program needs; everything else is skipped by serde.
#[derive(Deserialize)]
struct Page<'a> {
    #[serde(rename = "@odata.context", borrow)]
    context: Option<&'a str>,
    #[serde(rename = "@odata.nextLink", borrow)]
    next_link: Option<&'a str>,
    #[serde(default)]
    value: Vec<serde::de::IgnoredAny>,
}

#[derive(Default)]
struct Paging {
    /// context → (pages, items, pages with a next link)
    by_context: BTreeMap<String, (u64, u64, u64)>,
    unreadable: Vec<u64>,
}

impl Merge for Paging {
    fn merge(&mut self, later: Self) {
        for (k, (p, i, n)) in later.by_context {
            let e = self.by_context.entry(k).or_default();
            e.0 += p;
            e.1 += i;
            e.2 += n;
        }
        self.unreadable.extend(later.unreadable);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/sample.ndjson").to_string()
    });
    // SAFETY: the example reads an archive that nobody is writing.
    let bytes = unsafe { map_file(file.as_ref()) }?;
    let paging = ParallelLines::new().run(
        &bytes,
        Vec::<u8>::new, // a per-task buffer: simd-json parses (and unescapes) in place
        Paging::default,
        |buf: &mut Vec<u8>, acc: &mut Paging, line: Line<'_>| {
            if line.is_blank() {
                return;
            }
            buf.clear();
            buf.extend_from_slice(line.bytes);
            match simd_json::serde::from_slice::<Page<'_>>(buf) {
                Ok(page) => {
                    let key = page.context.unwrap_or("(no @odata.context)").to_owned();
                    let e = acc.by_context.entry(key).or_default();
                    e.0 += 1;
                    e.1 += page.value.len() as u64;
                    e.2 += u64::from(page.next_link.is_some());
                }
                Err(_) => acc.unreadable.push(line.number),
            }
        },
    );
    for (context, (pages, items, continued)) in &paging.by_context {
        println!("{pages:>3} pages, {items:>3} items, {continued:>3} with nextLink  {context}");
    }
    println!("lines not of this schema: {:?}", paging.unreadable);
    Ok(())
}
