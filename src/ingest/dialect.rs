//! The lexical side of CSV as monitoring tools write it: line endings of any
//! platform, a delimiter that may be a comma, semicolon or tab, quoted fields, and
//! Grafana's preamble (a `sep=;` line, a second copy of the header).

use std::borrow::Cow;

/// Lines split on `\n`, `\r\n` or a bare `\r` (old Mac exports), each with the
/// byte offset just past its line break.
pub(crate) fn lines_with_ends(text: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut offset = 0;
    std::iter::from_fn(move || {
        let rest = &text[offset..];
        if rest.is_empty() {
            return None;
        }
        let (line, skip) = match rest.find(['\r', '\n']) {
            Some(i) if rest[i..].starts_with("\r\n") => (&rest[..i], i + 2),
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        offset += skip;
        Some((line, offset))
    })
}

/// Lines split on `\n`, `\r\n` or a bare `\r`.
#[cfg(test)]
pub(crate) fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    lines_with_ends(text).map(|(line, _)| line)
}

/// The number of line breaks in `text`, counted as [`split_lines`] splits.
pub(crate) fn count_line_breaks(text: &str) -> usize {
    let bytes = text.as_bytes();
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    let lone_returns = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        .count();
    newlines + lone_returns
}

/// The delimiter (comma, semicolon or tab) that occurs most often outside quotes
/// in the header; comma when none does.
pub(crate) fn detect_separator(header: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in header.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// A grafana `sep=;` line: the delimiter it announces.
pub(crate) fn separator_line(line: &str) -> Option<u8> {
    let sep = line.trim().strip_prefix("sep=")?;
    match sep.as_bytes() {
        [b] => Some(*b),
        [] => None,
        // A tab may be written literally or as the two characters `\t`.
        _ if sep == "\\t" => Some(b'\t'),
        _ => None,
    }
}

/// The fields of one record. Quoted fields may hold the delimiter; `""` inside
/// quotes is one quote. The error names the 1-based column of an unterminated quote.
pub(crate) fn split_record(
    line: &str,
    separator: u8,
) -> Result<Vec<Cow<'_, str>>, (usize, String)> {
    let mut fields = Vec::new();
    let bytes = line.as_bytes();
    let mut start = 0;
    while start <= bytes.len() {
        if bytes.get(start) == Some(&b'"') {
            let (field, next) = quoted_field(line, start).ok_or_else(|| {
                (
                    fields.len() + 1,
                    "a quote opened here is never closed".to_string(),
                )
            })?;
            fields.push(Cow::Owned(field));
            match bytes.get(next) {
                None => return Ok(fields),
                Some(&b) if b == separator => start = next + 1,
                Some(_) => {
                    return Err((
                        fields.len(),
                        "text after the closing quote of a quoted field".to_string(),
                    ))
                }
            }
        } else {
            let end = bytes[start..]
                .iter()
                .position(|&b| b == separator)
                .map_or(bytes.len(), |i| start + i);
            fields.push(Cow::Borrowed(&line[start..end]));
            start = end + 1;
        }
    }
    Ok(fields)
}

/// The unquoted content of the quoted field starting at `start`, and the offset
/// just past its closing quote.
fn quoted_field(line: &str, start: usize) -> Option<(String, usize)> {
    let bytes = line.as_bytes();
    let mut out = String::new();
    let mut i = start + 1;
    let mut run = i;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            out.push_str(&line[run..i]);
            if bytes.get(i + 1) == Some(&b'"') {
                out.push('"');
                i += 2;
                run = i;
                continue;
            }
            return Some((out, i + 1));
        }
        i += 1;
    }
    None
}

/// Header fields, unquoted and trimmed.
pub(crate) fn split_header(line: &str, separator: u8) -> Vec<String> {
    match split_record(line, separator) {
        Ok(fields) => fields.iter().map(|f| f.trim().to_string()).collect(),
        // An odd quote in a header: fall back to splitting on the delimiter only.
        Err(_) => line
            .split(separator as char)
            .map(|f| f.trim().trim_matches('"').to_string())
            .collect(),
    }
}

/// True when `line` repeats the header, in this delimiter or another one (Grafana's
/// "Download for Excel" writes a quoted `;` header and then a plain `,` copy).
pub(crate) fn repeats_header(line: &str, separator: u8, header: &[String]) -> bool {
    [separator, b',', b';', b'\t'].iter().any(|&sep| {
        let fields = split_header(line, sep);
        fields.len() == header.len()
            && fields
                .iter()
                .zip(header)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_line_endings() {
        assert_eq!(detect_separator("a;b;c"), b';');
        assert_eq!(detect_separator("a\tb"), b'\t');
        assert_eq!(detect_separator("\"a;x\",b"), b',');
        let lines: Vec<&str> = split_lines("a\rb\r\nc\n\nd").collect();
        assert_eq!(lines, ["a", "b", "c", "", "d"]);
        assert_eq!(count_line_breaks("a\rb\r\nc\n\nd"), 4);
        assert_eq!(separator_line("sep=;"), Some(b';'));
        assert_eq!(separator_line("sep=\\t"), Some(b'\t'));
        assert_eq!(separator_line("time;value"), None);
    }

    #[test]
    fn records_with_quotes() {
        let f = split_record("\"a;b\";c;\"say \"\"hi\"\"\";", b';').unwrap();
        assert_eq!(f, ["a;b", "c", "say \"hi\"", ""]);
        assert_eq!(split_record("a,,", b',').unwrap(), ["a", "", ""]);
        assert_eq!(split_record("x,\"open", b',').unwrap_err().0, 2);
        assert_eq!(split_record("\"a\"b,c", b',').unwrap_err().0, 1);
    }

    #[test]
    fn repeated_headers() {
        let header: Vec<String> = ["Time", "a.b", "c"].map(String::from).to_vec();
        assert!(repeats_header("Time,a.b,c", b';', &header));
        assert!(repeats_header("\"Time\";\"a.b\";\"c\"", b';', &header));
        assert!(!repeats_header("2024-01-01;1;2", b';', &header));
    }
}
