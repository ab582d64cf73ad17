//! The lexical side of CSV as monitoring tools write it: line endings of any
//! platform, a delimiter that may be a comma, semicolon or tab, quoted fields, and
//! Grafana's preamble (a `sep=;` line, a second copy of the header).

use std::borrow::Cow;

/// Lines split on `\n`, `\r\n` or a bare `\r` (old Mac exports), each with the
/// byte offset just past its line break.
pub(crate) fn lines_with_ends(text: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut offset = 0;
    // Searching for one byte is much faster than for either of two.
    let has_cr = text.contains('\r');
    std::iter::from_fn(move || {
        let rest = &text[offset..];
        if rest.is_empty() {
            return None;
        }
        let next = if has_cr {
            rest.find(['\r', '\n'])
        } else {
            rest.find('\n')
        };
        let (line, skip) = match next {
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
    if !bytes.contains(&b'\r') {
        return newlines;
    }
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

/// Why a record could not be split: the 1-based column and the reason.
pub(crate) type SplitError = (usize, String);

/// The fields of one record. Quoted fields may hold the delimiter; `""` inside
/// quotes is one quote. The error names the 1-based column of an unterminated quote.
pub(crate) fn split_record(line: &str, separator: u8) -> Result<Vec<Cow<'_, str>>, SplitError> {
    let mut fields = Vec::new();
    split_record_into(line, separator, &mut fields)?;
    Ok(fields)
}

/// [`split_record`] into a vector that is cleared first, so that a reader can
/// reuse one vector for every line.
pub(crate) fn split_record_into<'a>(
    line: &'a str,
    separator: u8,
    fields: &mut Vec<Cow<'a, str>>,
) -> Result<(), SplitError> {
    fields.clear();
    match Records::new(line, separator).next_into(fields) {
        Some((_, outcome)) => outcome,
        // An empty line is one empty field.
        None => {
            fields.push(Cow::Borrowed(""));
            Ok(())
        }
    }
}

/// The records of a block of CSV text, split in one pass over its bytes: a line
/// ends at `\n`, `\r\n` or a bare `\r`, a field at the delimiter outside quotes.
/// Fields are borrowed from the text unless a doubled quote must be undone.
pub(crate) struct Records<'a> {
    text: &'a str,
    pos: usize,
    separator: u8,
}

impl<'a> Records<'a> {
    pub(crate) fn new(text: &'a str, separator: u8) -> Self {
        Records {
            text,
            pos: 0,
            separator,
        }
    }

    /// The next line and its fields (into `fields`, cleared first), or the
    /// 1-based column and reason of a quoting error; `None` at the end.
    pub(crate) fn next_into(
        &mut self,
        fields: &mut Vec<Cow<'a, str>>,
    ) -> Option<(&'a str, Result<(), SplitError>)> {
        let bytes = self.text.as_bytes();
        if self.pos >= bytes.len() {
            return None;
        }
        fields.clear();
        let start = self.pos;
        let is_end = |b: u8| b == b'\n' || b == b'\r';
        let mut i = start;
        let mut outcome = Ok(());
        loop {
            if bytes.get(i) == Some(&b'"') {
                let Some((field, next)) = quoted_field(self.text, i) else {
                    outcome = Err((
                        fields.len() + 1,
                        "a quote opened here is never closed".to_string(),
                    ));
                    break;
                };
                fields.push(field);
                match bytes.get(next) {
                    Some(&b) if b == self.separator => i = next + 1,
                    Some(&b) if !is_end(b) => {
                        outcome = Err((
                            fields.len(),
                            "text after the closing quote of a quoted field".to_string(),
                        ));
                        break;
                    }
                    _ => {
                        i = next;
                        break;
                    }
                }
            } else {
                let mut j = i;
                while j < bytes.len() && bytes[j] != self.separator && !is_end(bytes[j]) {
                    j += 1;
                }
                fields.push(Cow::Borrowed(&self.text[i..j]));
                if bytes.get(j) == Some(&self.separator) {
                    i = j + 1;
                } else {
                    i = j;
                    break;
                }
            }
        }
        // After an error the rest of the line is skipped.
        while i < bytes.len() && !is_end(bytes[i]) {
            i += 1;
        }
        let line = &self.text[start..i];
        self.pos = match bytes.get(i) {
            Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => i + 2,
            Some(_) => i + 1,
            None => i,
        };
        Some((line, outcome))
    }
}

/// The unquoted content of the quoted field starting at `start` (borrowed unless
/// it holds a doubled quote), and the offset just past its closing quote; `None`
/// when the line ends before the quote closes.
fn quoted_field(text: &str, start: usize) -> Option<(Cow<'_, str>, usize)> {
    let bytes = text.as_bytes();
    let mut owned: Option<String> = None;
    let mut i = start + 1;
    let mut run = i;
    while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
        if bytes[i] == b'"' {
            if bytes.get(i + 1) == Some(&b'"') {
                let out = owned.get_or_insert_with(String::new);
                out.push_str(&text[run..=i]);
                i += 2;
                run = i;
                continue;
            }
            let field = match owned {
                Some(mut out) => {
                    out.push_str(&text[run..i]);
                    Cow::Owned(out)
                }
                None => Cow::Borrowed(&text[run..i]),
            };
            return Some((field, i + 1));
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
    fn records_in_one_pass() {
        let text = "a,\"b,\"\"c\"\"\"\r\n\r\"x\"y,z\n\"open\nlast,";
        let mut records = Records::new(text, b',');
        let mut fields = Vec::new();
        let mut next = || {
            let (line, outcome) = records.next_into(&mut fields)?;
            Some((line.to_string(), outcome, fields.clone()))
        };
        let (line, outcome, f) = next().unwrap();
        assert_eq!((line.as_str(), outcome), ("a,\"b,\"\"c\"\"\"", Ok(())));
        assert_eq!(f, ["a", "b,\"c\""]);
        assert_eq!(next().unwrap().2, [""]);
        assert_eq!(next().unwrap().1.unwrap_err().0, 1);
        assert_eq!(next().unwrap().1.unwrap_err().0, 1);
        let (line, _, f) = next().unwrap();
        assert_eq!(line, "last,");
        assert_eq!(f, ["last", ""]);
        assert!(next().is_none());
    }

    #[test]
    fn repeated_headers() {
        let header: Vec<String> = ["Time", "a.b", "c"].map(String::from).to_vec();
        assert!(repeats_header("Time,a.b,c", b';', &header));
        assert!(repeats_header("\"Time\";\"a.b\";\"c\"", b';', &header));
        assert!(!repeats_header("2024-01-01;1;2", b';', &header));
    }
}
