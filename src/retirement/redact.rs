//! Redaction of free text that names a learner: whole-word, ASCII case-insensitive replacement of
//! usernames, emails and full names. Pure: it must not decide what to redact (the caller lists the
//! needles).

/// Characters that continue a name: a match next to one of these is part of a longer word.
fn continues_name(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '@' | '+')
}

/// What to find and what replaces it.
pub type Needle = (String, String);

/// Replace every whole-word occurrence (ASCII case-insensitive) of each needle in `text` by its
/// replacement; longer needles first, so an email is replaced before the username inside it.
/// `None` when nothing matched. Single-word needles (usernames, emails) cost one pass over the text
/// whatever their number; needles with spaces (full names) one pass each.
#[must_use]
pub fn redact(text: &str, needles: &[(String, String)]) -> Option<String> {
    let (words, phrases): (Vec<&Needle>, Vec<&Needle>) =
        needles.iter().filter(|(n, _)| !n.is_empty()).partition(|(n, _)| n.chars().all(is_token_char));
    let mut out: Option<String> = None;
    let mut ordered = phrases;
    ordered.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    for (needle, replacement) in ordered {
        if let Some(changed) = redact_phrase(out.as_deref().unwrap_or(text), needle, replacement) {
            out = Some(changed);
        }
    }
    if !words.is_empty() {
        let map: std::collections::HashMap<String, &str> =
            words.iter().map(|(n, r)| (n.to_ascii_lowercase(), r.as_str())).collect();
        if let Some(changed) = redact_words(out.as_deref().unwrap_or(text), &map) {
            out = Some(changed);
        }
    }
    out
}

/// Characters a username or email is made of: a match is a whole run of these.
fn is_token_char(c: char) -> bool {
    continues_name(c) || c == '.'
}

/// One pass: every maximal run of name characters (less trailing dots, which end sentences) that
/// is a needle is replaced. A needle may end in dots itself (usernames may): the run less fewer of
/// its trailing dots is tried first, so `bob.` is found in `bob..` and `bob` in `bob.`.
fn redact_words(text: &str, needles: &std::collections::HashMap<String, &str>) -> Option<String> {
    let longest = needles.keys().map(String::len).max().unwrap_or(0);
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest.find(is_token_char).unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(|c: char| !is_token_char(c)).unwrap_or(rest.len());
        let run = &rest[..end];
        let word = run.trim_end_matches('.');
        // Lengths from `word` to the run's end cut only dots; none longer than the longest needle is
        // tried, so a long run of dots costs no more. A run of dots alone is punctuation.
        let found = if word.is_empty() || word.len() > longest {
            None
        } else {
            let lower = run.get(..run.len().min(longest)).map(str::to_ascii_lowercase).unwrap_or_default();
            (word.len()..=lower.len())
                .rev()
                .find_map(|len| lower.get(..len).and_then(|key| needles.get(key)).map(|r| (len, *r)))
        };
        match found {
            Some((len, replacement)) => {
                out.push_str(replacement);
                out.push_str(&run[len..]);
                changed = true;
            }
            None => out.push_str(run),
        }
        rest = &rest[end..];
    }
    changed.then_some(out)
}

/// Replace whole-word occurrences of one needle that may contain spaces.
fn redact_phrase(text: &str, needle: &str, replacement: &str) -> Option<String> {
    let mut result = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    let mut prev: Option<char> = None;
    loop {
        let Some(at) = find_ignore_ascii_case(rest, needle) else {
            result.push_str(rest);
            break;
        };
        let before = rest[..at].chars().next_back().or(prev);
        let after_text = &rest[at + needle.len()..];
        let mut after_chars = after_text.chars();
        // A '.' ends a sentence unless a letter or digit follows (then it is part of a domain).
        let after_continues = match after_chars.next() {
            Some('.') => after_chars.next().is_some_and(char::is_alphanumeric),
            Some(c) => continues_name(c),
            None => false,
        };
        let before_continues = before.is_some_and(is_token_char);
        result.push_str(&rest[..at]);
        if before_continues || after_continues {
            // Not a whole word here; an overlapping one may start inside it (`Jo Jo` in `-Jo Jo Jo`),
            // so move on by one character only.
            let first = rest[at..].chars().next();
            let step = first.map_or(needle.len(), char::len_utf8);
            result.push_str(&rest[at..at + step]);
            prev = first;
            rest = &rest[at + step..];
        } else {
            result.push_str(replacement);
            changed = true;
            prev = rest[..at + needle.len()].chars().next_back();
            rest = after_text;
        }
    }
    changed.then_some(result)
}

fn find_ignore_ascii_case(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() || n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len())
        .filter(|&i| haystack.is_char_boundary(i) && haystack.is_char_boundary(i + n.len()))
        .find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}
