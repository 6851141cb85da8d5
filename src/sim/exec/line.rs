//! Line editing of an interactive shell on a TTY, as a terminal in cooked mode plus the shell's
//! editor do it: typed characters are echoed, backspace rubs out, Enter hands the line over,
//! Ctrl-C cancels it, Ctrl-U clears it, Ctrl-D on an empty line ends the shell, and escape
//! sequences (arrow keys) are swallowed. Pure: bytes in, what to echo and what happened out.

/// What one chunk of typed bytes did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Bytes to write back to the terminal.
    Echo(Vec<u8>),
    /// A complete line to run (already echoed, newline included).
    Line(String),
    /// Ctrl-C: the line was cancelled (or a running command interrupted).
    Interrupt,
    /// Ctrl-D on an empty line: end of input.
    Eof,
}

#[derive(Debug, Default)]
pub struct LineEditor {
    line: Vec<u8>,
    /// Bytes of an escape sequence being swallowed.
    escape: Option<Vec<u8>>,
}

impl LineEditor {
    pub fn new() -> Self {
        Self::default()
    }

    /// What is typed so far on the current line.
    pub fn pending(&self) -> String {
        String::from_utf8_lossy(&self.line).into_owned()
    }

    /// Feeds typed bytes; returns what they did, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Edit> {
        let mut out = Vec::new();
        let mut echo = Vec::new();
        let flush = |echo: &mut Vec<u8>, out: &mut Vec<Edit>| {
            if !echo.is_empty() {
                out.push(Edit::Echo(std::mem::take(echo)));
            }
        };
        for &b in bytes {
            if let Some(seq) = &mut self.escape {
                seq.push(b);
                // CSI sequences end with a byte in 0x40..=0x7e; `ESC O x` after one more byte.
                let done = match seq.as_slice() {
                    [b'['] | [b'O'] => false,
                    [b'[', .., last] => (0x40..=0x7e).contains(last),
                    _ => true,
                };
                if done {
                    self.escape = None;
                }
                continue;
            }
            match b {
                0x1b => self.escape = Some(Vec::new()),
                b'\r' | b'\n' => {
                    echo.extend_from_slice(b"\r\n");
                    flush(&mut echo, &mut out);
                    let line =
                        String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
                    out.push(Edit::Line(line));
                }
                0x03 => {
                    echo.extend_from_slice(b"^C\r\n");
                    flush(&mut echo, &mut out);
                    self.line.clear();
                    out.push(Edit::Interrupt);
                }
                0x04 => {
                    if self.line.is_empty() {
                        flush(&mut echo, &mut out);
                        out.push(Edit::Eof);
                    }
                }
                0x7f | 0x08 => {
                    // Rub out one character (all bytes of a UTF-8 sequence).
                    while let Some(last) = self.line.pop() {
                        if last & 0xc0 != 0x80 {
                            echo.extend_from_slice(b"\x08 \x08");
                            break;
                        }
                    }
                }
                0x15 => {
                    for _ in String::from_utf8_lossy(&self.line).chars() {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                    self.line.clear();
                }
                b'\t' => {}
                b if b < 0x20 => {}
                b => {
                    self.line.push(b);
                    echo.push(b);
                }
            }
        }
        flush(&mut echo, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_characters_echo_and_enter_hands_over_the_line() {
        let mut e = LineEditor::new();
        assert_eq!(
            e.feed(b"hostname\r"),
            vec![
                Edit::Echo(b"hostname\r\n".to_vec()),
                Edit::Line("hostname".into())
            ]
        );
        assert_eq!(e.pending(), "");
    }

    #[test]
    fn backspace_rubs_out_one_character_even_multibyte() {
        let mut e = LineEditor::new();
        e.feed("lsé".as_bytes());
        assert_eq!(e.feed(&[0x7f]), vec![Edit::Echo(b"\x08 \x08".to_vec())]);
        assert_eq!(e.pending(), "ls");
        e.feed(&[0x7f, 0x7f, 0x7f]);
        assert_eq!(e.pending(), "");
    }

    #[test]
    fn ctrl_c_cancels_and_ctrl_d_ends_only_an_empty_line() {
        let mut e = LineEditor::new();
        let out = e.feed(b"sleep 9\x03");
        assert_eq!(out.last(), Some(&Edit::Interrupt));
        assert_eq!(e.pending(), "");
        e.feed(b"x");
        assert_eq!(e.feed(&[0x04]), vec![]);
        e.feed(&[0x15]);
        assert_eq!(e.feed(&[0x04]), vec![Edit::Eof]);
    }

    #[test]
    fn arrow_keys_are_swallowed() {
        let mut e = LineEditor::new();
        e.feed(b"a\x1b[Ab\x1bOB");
        assert_eq!(e.pending(), "ab");
    }
}
