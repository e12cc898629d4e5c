//! Issue 18, eleventh pass (BENCHMARKS.md): a simdjson-style structural index (stage 1) and a
//! validating walk over it (stage 2) against the byte walk of `skip_container`, each over
//! every line of an NDJSON file already pulled into cache. `cargo run --release -- FILE`.
//! x86-64 with AVX2 and PCLMULQDQ only.
use std::arch::x86_64::*;
use std::time::Instant;

/// Stage 1: token positions of one line: structural chars `{}[]:,` outside strings, every
/// unescaped quote, and the first byte of each scalar. Returns false when the line cannot be
/// indexed (an unclosed string).
#[target_feature(enable = "avx2,pclmulqdq,bmi1,popcnt")]
unsafe fn index(line: &[u8], out: &mut Vec<u32>, backslashes: &mut bool) -> bool {
    out.clear();
    out.reserve(line.len() + 64);
    let mut w = out.as_mut_ptr();
    let mut prev_in_string = 0u64;
    let mut prev_escaped = 0u64;
    let mut prev_scalar = 0u64;
    let mut any_bs = 0u64;
    let op_table = _mm256_setr_epi8(
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b':' as i8, b'{' as i8, b',' as i8, b'}' as i8, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b':' as i8, b'{' as i8, b',' as i8, b'}' as i8, 0, 0,
    );
    let n = line.len();
    let mut base = 0usize;
    let mut tail = [b' '; 64];
    while base < n {
        let p = if base + 64 <= n {
            line.as_ptr().add(base)
        } else {
            tail[..n - base].copy_from_slice(&line[base..]);
            tail.as_ptr()
        };
        let lo = _mm256_loadu_si256(p.cast());
        let hi = _mm256_loadu_si256(p.add(32).cast());
        let bits = |l: __m256i, h: __m256i| {
            (_mm256_movemask_epi8(l) as u32 as u64) | ((_mm256_movemask_epi8(h) as u32 as u64) << 32)
        };
        let eq = |c: u8| {
            let c = _mm256_set1_epi8(c as i8);
            bits(_mm256_cmpeq_epi8(lo, c), _mm256_cmpeq_epi8(hi, c))
        };
        let quote0 = eq(b'"');
        let bs = eq(b'\\');
        let space = eq(b' ');
        let c20 = _mm256_set1_epi8(0x20);
        let op = bits(
            _mm256_cmpeq_epi8(_mm256_or_si256(lo, c20), _mm256_shuffle_epi8(op_table, lo)),
            _mm256_cmpeq_epi8(_mm256_or_si256(hi, c20), _mm256_shuffle_epi8(op_table, hi)),
        );
        let quote = if bs | prev_escaped != 0 {
            any_bs |= bs;
            const EVEN: u64 = 0x5555_5555_5555_5555;
            let backslash = bs & !prev_escaped;
            let follows_escape = backslash << 1 | prev_escaped;
            let odd_starts = backslash & !EVEN & !follows_escape;
            let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
            prev_escaped = overflow as u64;
            let invert = even_starts << 1;
            let escaped = (EVEN ^ invert) & follows_escape;
            if escaped != 0 {
                let mut valid = 0;
                for c in [b'"', b'\\', b'/', b'b', b'f', b'n', b'r', b't'] {
                    valid |= eq(c);
                }
                let u = eq(b'u');
                if escaped & !(valid | u) != 0 {
                    return false;
                }
                let mut us = escaped & u;
                while us != 0 {
                    let at = base + us.trailing_zeros() as usize;
                    match line.get(at + 1..at + 5) {
                        Some(h) if h.iter().all(u8::is_ascii_hexdigit) => {}
                        _ => return false,
                    }
                    us &= us - 1;
                }
            }
            quote0 & !escaped
        } else {
            quote0
        };
        let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, quote as i64), _mm_set1_epi8(-1), 0);
        let in_string = (_mm_cvtsi128_si64(product) as u64) ^ prev_in_string;
        prev_in_string = ((in_string as i64) >> 63) as u64;
        let scalar = !(op | space | quote | in_string);
        let starts = scalar & !(scalar << 1 | prev_scalar);
        prev_scalar = scalar >> 63;
        let mut tokens = ((op & !in_string) | quote | starts);
        if base + 64 > n {
            tokens &= (1u64 << (n - base)) - 1; // padding spaces carry no tokens anyway
        }
        // Flatten: eight at a time, unconditionally.
        let cnt = tokens.count_ones() as usize;
        let b = base as u32;
        let mut t = tokens;
        let mut k = 0;
        while k < cnt {
            for j in 0..8 {
                *w.add(k + j) = b + t.trailing_zeros();
                t &= t.wrapping_sub(1);
            }
            k += 8;
        }
        w = w.add(cnt);
        base += 64;
    }
    let len = w.offset_from(out.as_ptr()) as usize;
    out.set_len(len);
    out.push(n as u32); // sentinel
    out.push(n as u32);
    *backslashes = any_bs != 0;
    prev_in_string == 0
}

fn number_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    if b.get(i) == Some(&b'-') { i += 1; }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits_end(b, i + 1),
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let d = i;
        i = digits_end(b, i);
        if i == d { return None; }
    }
    if i - start > 32 { return None; }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) { i += 1; }
        let d = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) { i += 1; }
        if i == d || i - d > 2 { return None; }
    }
    Some(i)
}
#[inline(always)]
fn digits_end(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap());
        let t = w ^ 0x3030_3030_3030_3030;
        let flags = (t | t.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
        if flags != 0 { return i + (flags.trailing_zeros() / 8) as usize; }
        i += 8;
    }
    while b.get(i).is_some_and(u8::is_ascii_digit) { i += 1; }
    i
}

/// Stage 2: validates the value at token `t`, returns the token after it.
#[inline(never)]
fn skip(b: &[u8], idx: &[u32], mut t: usize, backslashes: bool) -> Option<usize> {
    let mut stack = [false; 512];
    let mut depth = 0usize;
    let mut object = false;
    // a scalar ending at `end` must be followed by token t+1 after spaces
    macro_rules! scalar_end {
        ($end:expr) => {{
            let end = $end;
            let next = idx[t + 1] as usize;
            if end != next && !b[end..next].iter().all(|&c| c == b' ') { return None; }
            t += 1;
        }};
    }
    macro_rules! string {
        () => {{
            // b[idx[t]] == '"'; idx[t+1] is its closing quote
            
            if idx[t + 1] as usize >= b.len() { return None; }
            t += 2;
        }};
    }
    macro_rules! key {
        () => {{
            if b[idx[t] as usize] != b'"' { return None; }
            string!();
            if b[idx[t] as usize] != b':' { return None; }
            t += 1;
        }};
    }
    'value: loop {
        let p = idx[t] as usize;
        let c = *b.get(p)?;
        match c {
            b'{' | b'[' => {
                object = c == b'{';
                if depth >= 510 { return None; }
                stack[depth] = object;
                depth += 1;
                t += 1;
                let d = *b.get(idx[t] as usize)?;
                if d == (if object { b'}' } else { b']' }) {
                    t += 1;
                    depth -= 1;
                    if depth == 0 { return Some(t); }
                    object = stack[depth - 1];
                } else {
                    if object { key!(); }
                    continue 'value;
                }
            }
            b'"' => string!(),
            b't' => { if !b[p..].starts_with(b"true") { return None; } scalar_end!(p + 4) }
            b'f' => { if !b[p..].starts_with(b"false") { return None; } scalar_end!(p + 5) }
            b'n' => { if !b[p..].starts_with(b"null") { return None; } scalar_end!(p + 4) }
            b'-' | b'0'..=b'9' => scalar_end!(number_end(b, p)?),
            _ => return None,
        }
        if depth == 0 { return Some(t); }
        loop {
            let d = *b.get(idx[t] as usize)?;
            t += 1;
            match d {
                b',' => {
                    if object { key!(); }
                    continue 'value;
                }
                b'}' if object => {}
                b']' if !object => {}
                _ => return None,
            }
            depth -= 1;
            if depth == 0 { return Some(t); }
            object = stack[depth - 1];
        }
    }
}

#[inline(always)]
fn check_string(b: &[u8], open: usize, close: usize) -> Option<()> {
    let mut i = open + 1;
    while i < close {
        if b[i] == b'\\' {
            match b.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => { if !b.get(i+2..i+6)?.iter().all(u8::is_ascii_hexdigit) { return None; } i += 6 }
                _ => return None,
            }
        } else { i += 1; }
    }
    (i == close).then_some(())
}


#[inline(always)]
fn quote_or_backslash(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let hits = |at: usize| unsafe {
        let v = _mm_loadu_si128(rest.as_ptr().add(at).cast::<__m128i>());
        let q = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let b = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        _mm_movemask_epi8(_mm_or_si128(q, b)) as u32
    };
    let mut at = 0;
    while at + 16 <= rest.len() && at < 64 {
        let m = hits(at);
        if m != 0 { return Some(from + at + m.trailing_zeros() as usize); }
        at += 16;
    }
    if at < 64 {
        if rest.len() >= 16 {
            let last = rest.len() - 16;
            let m = hits(last) >> (at - last);
            return (m != 0).then(|| from + at + m.trailing_zeros() as usize);
        }
        return rest[at..].iter().position(|&b| b == b'"' || b == b'\\').map(|k| from + at + k);
    }
    rest[at..].iter().position(|&b| b == b'"' || b == b'\\').map(|k| from + at + k)
}
#[cold]
fn check_escape(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at + 1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(at + 2),
        b'u' => { if !bytes.get(at+2..at+6)?.iter().all(u8::is_ascii_hexdigit) { return None; } Some(at + 6) }
        _ => None,
    }
}
#[inline(always)]
fn string_end(b: &[u8], at: usize) -> Option<usize> {
    let mut at = at + 1;
    loop {
        let end = quote_or_backslash(b, at)?;
        if b[end] == b'"' { return Some(end + 1); }
        at = check_escape(b, end)?;
    }
}
#[inline(never)]
fn byte_skip(b: &[u8], mut pos: usize) -> Option<usize> {
    macro_rules! peek { () => {{ let mut c = *b.get(pos)?; while c == b' ' { pos += 1; c = *b.get(pos)?; } c }}; }
    macro_rules! key_then_colon { ($c:expr) => {{
        if $c != b'"' { return None; }
        pos = string_end(b, pos)?;
        if peek!() != b':' { return None; }
        pos += 1;
        peek!()
    }}; }
    let mut is_object = [false; 512];
    let mut depth = 0usize;
    let mut object = false;
    let mut c = b[pos];
    'value: loop {
        if c == b'{' || c == b'[' {
            if depth > 510 { return None; }
            object = c == b'{';
            is_object[depth] = object;
            depth += 1;
            pos += 1;
            c = peek!();
            if c != if object { b'}' } else { b']' } {
                if object { c = key_then_colon!(c); }
                continue 'value;
            }
            pos += 1;
            depth -= 1;
            if depth == 0 { return Some(pos); }
            object = is_object[depth - 1];
        } else {
            pos = match c {
                b'"' => string_end(b, pos)?,
                b't' if b[pos..].starts_with(b"true") => pos + 4,
                b'f' if b[pos..].starts_with(b"false") => pos + 5,
                b'n' if b[pos..].starts_with(b"null") => pos + 4,
                b'-' | b'0'..=b'9' => number_end(b, pos)?,
                _ => return None,
            };
        }
        loop {
            let d = peek!();
            pos += 1;
            match d {
                b',' => { c = peek!(); if object { c = key_then_colon!(c); } continue 'value; }
                b'}' if object => {}
                b']' if !object => {}
                _ => return None,
            }
            depth -= 1;
            if depth == 0 { return Some(pos); }
            object = is_object[depth - 1];
        }
    }
}

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let data = std::fs::read(path).unwrap();
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let mut idx = Vec::new();
    let (mut a, mut bb, mut cc, mut dd) = (0u128, 0u128, 0u128, 0u128);
    let mut okb = 0; let mut oki = 0;
    let mut sink = 0usize;
    for _round in 0..5 {
        for l in &lines {
            // touch: as memchr framing does
            sink += memchr_count(l);
            let t0 = Instant::now();
            let mut bs = false;
            let indexed = unsafe { index(l, &mut idx, &mut bs) };
            let t1 = Instant::now();
            if indexed { if let Some(t) = skip(l, &idx, 0, bs) { oki += (idx[t] as usize == l.len()) as usize; } }
            let t2 = Instant::now();
            okb += (byte_skip(l, 0) == Some(l.len())) as usize;
            let t3 = Instant::now();
            a += (t1 - t0).as_nanos(); bb += (t2 - t1).as_nanos(); cc += (t3 - t2).as_nanos();
        }
        eprintln!("per round: stage1 {} ms, stage2 {} ms, byte-skip {} ms (ok {oki} {okb}) {sink}", a/1_000_000, bb/1_000_000, cc/1_000_000);
        a = 0; bb = 0; cc = 0; dd += 0;
    }
}
fn memchr_count(l: &[u8]) -> usize { l.iter().filter(|&&b| b == b'\n').count() + l[l.len()/2] as usize }
#[allow(dead_code)]
fn old_main(lines: Vec<&[u8]>) {
    let mut idx = Vec::new();
    for round in 0..5 {
        let t0 = Instant::now();
        let mut tokens = 0usize;
        let mut bsl = 0;
        for l in &lines {
            let mut bs = false;
            unsafe { index(l, &mut idx, &mut bs) };
            tokens += idx.len();
            bsl += bs as usize;
        }
        let s1 = t0.elapsed();
        let t0 = Instant::now();
        let mut ok = 0;
        for l in &lines {
            let mut bs = false;
            let indexed = unsafe { index(l, &mut idx, &mut bs) };
            if indexed {
                if let Some(t) = skip(l, &idx, 0, bs) {
                    ok += (idx[t] as usize == l.len()) as usize;
                }
            }
        }
        let both = t0.elapsed();
        eprintln!("round {round}: stage1 {s1:?} ({tokens} tokens, {bsl} lines with backslashes) stage1+2 {both:?} ok {ok}/{}", lines.len());
    }
}
