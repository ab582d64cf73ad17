//! Reading a text input in blocks of whole lines, so that a large CSV is parsed in
//! bounded memory: only one block of text is held at a time, never the whole file.

use std::io::Read;

use super::dialect::count_line_breaks;
use crate::error::{Error, Result};

/// The default block size: large enough that per-block overhead is negligible,
/// small enough that the text held at once is a small fraction of the parsed
/// values of a large input.
pub(crate) const BLOCK_BYTES: usize = 4 << 20;

/// Call `each(text, first_line)` on consecutive blocks of `reader`, each holding
/// whole lines only (a block ends just after a line break, or at the end of the
/// input) and validated as UTF-8. `first_line` is the 1-based line number of the
/// block's first line, counting `\n`, `\r\n` and a bare `\r` as one break each.
pub(crate) fn for_each_block(
    file: &str,
    reader: &mut dyn Read,
    block_bytes: usize,
    mut each: impl FnMut(&str, usize) -> Result<()>,
) -> Result<()> {
    let block_bytes = block_bytes.max(64);
    let mut buf = vec![0u8; block_bytes];
    let mut filled = 0;
    let mut line = 1;
    let mut eof = false;
    while !eof || filled > 0 {
        // Fill the buffer (a read may return less than asked).
        while !eof && filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => eof = true,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(Error::Io {
                        path: file.into(),
                        source,
                    })
                }
            }
        }
        let cut = if eof {
            filled
        } else {
            match last_break(&buf[..filled]) {
                Some(cut) => cut,
                None => {
                    // One line longer than the buffer: grow it and read on.
                    buf.resize(buf.len() * 2, 0);
                    continue;
                }
            }
        };
        let text = std::str::from_utf8(&buf[..cut]).map_err(|e| {
            let valid = &buf[..e.valid_up_to()];
            // The prefix up to the bad byte is valid UTF-8 by definition.
            let breaks = count_line_breaks(std::str::from_utf8(valid).unwrap_or(""));
            Error::Format {
                file: file.to_string(),
                message: format!(
                    "line {}: the file is not valid UTF-8; save it as UTF-8",
                    line + breaks
                ),
            }
        })?;
        each(text, line)?;
        line += count_line_breaks(text);
        buf.copy_within(cut..filled, 0);
        filled -= cut;
    }
    Ok(())
}

/// The offset just past the last line break that can safely end a block: the last
/// `\n`, or else the last `\r` that is not the final byte (which might be the
/// first half of a `\r\n` split by the read).
fn last_break(bytes: &[u8]) -> Option<usize> {
    if let Some(i) = bytes.iter().rposition(|&b| b == b'\n') {
        return Some(i + 1);
    }
    let body = &bytes[..bytes.len().saturating_sub(1)];
    body.iter().rposition(|&b| b == b'\r').map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str, size: usize) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        for_each_block("t", &mut text.as_bytes(), size, |t, l| {
            out.push((t.to_string(), l));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn whole_lines_with_their_numbers() {
        let text = "a,1\r\nb,2\rc,3\n\nd,4";
        for size in [64, 100, 1000] {
            let got = blocks(text, size);
            let joined: String = got.iter().map(|(t, _)| t.as_str()).collect();
            assert_eq!(joined, text);
        }
        let long: String = (0..100).map(|i| format!("row{i}\n")).collect();
        let got = blocks(&long, 64);
        assert!(got.len() > 5);
        for (t, l) in &got {
            assert!(t.ends_with('\n'));
            assert_eq!(t.lines().next().unwrap(), format!("row{}", l - 1));
        }
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let bytes = b"a\nb\n\xff\n";
        let err = for_each_block("f.csv", &mut &bytes[..], 64, |_, _| Ok(())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.csv: line 3: the file is not valid UTF-8; save it as UTF-8"
        );
    }
}
