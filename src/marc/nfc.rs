//! Just enough Unicode normalisation to put MARC-8 output into NFC.
//!
//! MARC-8 stores diacritics as separate combining marks; catalogues and search
//! indexes expect the precomposed (NFC) form, which is also what the LoC test
//! vectors contain. The decomposition table only covers characters the MARC-8
//! tables can produce, so this is not a general-purpose normaliser: do not use
//! it on arbitrary Unicode input.

use super::tables::unicode_data::{CCC, COMPOSE, DECOMPOSE};

const S_BASE: u32 = 0xAC00;
const L_BASE: u32 = 0x1100;
const V_BASE: u32 = 0x1161;
const T_BASE: u32 = 0x11A7;
const L_COUNT: u32 = 19;
const V_COUNT: u32 = 21;
const T_COUNT: u32 = 28;
const N_COUNT: u32 = V_COUNT * T_COUNT;
const S_COUNT: u32 = L_COUNT * N_COUNT;

fn ccc(c: char) -> u8 {
    let cp = c as u32;
    // Everything below U+0300 is a starter; skip the search for the common case.
    if cp < 0x300 {
        return 0;
    }
    CCC.binary_search_by_key(&cp, |&(k, _)| k).map_or(0, |i| CCC[i].1)
}

fn compose_pair(a: char, b: char) -> Option<char> {
    let (a, b) = (a as u32, b as u32);
    if (L_BASE..L_BASE + L_COUNT).contains(&a) && (V_BASE..V_BASE + V_COUNT).contains(&b) {
        return char::from_u32(S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT);
    }
    if (S_BASE..S_BASE + S_COUNT).contains(&a)
        && (a - S_BASE).is_multiple_of(T_COUNT)
        && (T_BASE + 1..T_BASE + T_COUNT).contains(&b)
    {
        return char::from_u32(a + (b - T_BASE));
    }
    COMPOSE.binary_search_by_key(&(a, b), |&(x, y, _)| (x, y)).ok().and_then(|i| char::from_u32(COMPOSE[i].2))
}

/// NFC of a string made of MARC-8 table output.
pub(super) fn nfc(s: &str) -> String {
    if s.bytes().all(|b| b < 0xCC) {
        // Below U+0300 nothing combines, so the text is already NFC.
        return s.to_owned();
    }
    let mut chars: Vec<char> = Vec::with_capacity(s.len());
    for c in s.chars() {
        match DECOMPOSE.binary_search_by_key(&(c as u32), |&(k, _)| k) {
            Ok(i) => chars.extend(DECOMPOSE[i].1.iter().filter_map(|&p| char::from_u32(p))),
            Err(_) => chars.push(c),
        }
    }
    // Canonical ordering: stable-sort every run of non-starters by class.
    let mut i = 0;
    while i < chars.len() {
        if ccc(chars[i]) == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && ccc(chars[i]) != 0 {
            i += 1;
        }
        chars[start..i].sort_by_key(|&c| ccc(c));
    }
    // Canonical composition.
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut starter: Option<usize> = None;
    let mut last_ccc = 0u8;
    for c in chars {
        let cc = ccc(c);
        if let Some(si) = starter {
            let adjacent = out.len() == si + 1;
            let unblocked = adjacent || (last_ccc != 0 && last_ccc < cc);
            if unblocked && let Some(composed) = compose_pair(out[si], c) {
                out[si] = composed;
                continue;
            }
        }
        if cc == 0 {
            starter = Some(out.len());
        }
        last_ccc = cc;
        out.push(c);
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::nfc;

    #[test]
    fn composes_and_reorders() {
        assert_eq!(nfc("e\u{301}"), "é");
        // dot below (220) sorts before acute (230), then both compose onto e.
        assert_eq!(nfc("e\u{301}\u{323}"), "\u{1EB9}\u{301}");
        assert_eq!(nfc("\u{1100}\u{1161}\u{11A8}"), "각");
        assert_eq!(nfc("plain"), "plain");
    }
}
