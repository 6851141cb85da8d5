//! The built-in shell's command language: words with single and double quotes, backslash
//! escapes, `$VAR`/`${VAR}`/`$?` expansion, pipelines (`|`) and lists joined by `;`, `&&`, `||`.
//! Pure: parsing yields words whose variables are expanded when the command runs.

/// One piece of a word: literal text or a variable to expand when the command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Var(String),
}

/// A word is expanded by joining its pieces (no field splitting).
pub type Word = Vec<Piece>;

/// How a pipeline joins the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// `;` or a newline: always run.
    Then,
    /// `&&`: run if the previous one succeeded.
    And,
    /// `||`: run if the previous one failed.
    Or,
}

/// Simple commands joined by `|`, each a list of words.
pub type Pipeline = Vec<Vec<Word>>;

/// A parsed command line: pipelines with how each joins the one before it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub items: Vec<(Join, Pipeline)>,
}

/// Why a line could not be parsed, worded as busybox sh says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxError {
    UnterminatedQuote,
    Unexpected(String),
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyntaxError::UnterminatedQuote => write!(f, "syntax error: unterminated quoted string"),
            SyntaxError::Unexpected(t) => write!(f, "syntax error: unexpected \"{t}\""),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(Word),
    Pipe,
    And,
    Or,
    Semi,
}

fn push_text(word: &mut Word, c: char) {
    if let Some(Piece::Text(t)) = word.last_mut() {
        t.push(c);
    } else {
        word.push(Piece::Text(c.to_string()));
    }
}

/// Reads a `$...` expansion after the `$`; returns false when the `$` is a literal.
fn read_var(chars: &mut std::iter::Peekable<std::str::Chars>, word: &mut Word) -> bool {
    match chars.peek().copied() {
        Some('{') => {
            chars.next();
            let mut name = String::new();
            for c in chars.by_ref() {
                if c == '}' {
                    break;
                }
                name.push(c);
            }
            word.push(Piece::Var(name));
            true
        }
        Some(c @ ('?' | '$' | '#' | '0'..='9')) => {
            chars.next();
            word.push(Piece::Var(c.to_string()));
            true
        }
        Some(c) if c == '_' || c.is_ascii_alphabetic() => {
            let mut name = String::new();
            while let Some(&c) = chars.peek() {
                if c == '_' || c.is_ascii_alphanumeric() {
                    name.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            word.push(Piece::Var(name));
            true
        }
        _ => false,
    }
}

fn tokenize(line: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut chars = line.chars().peekable();
    let mut word: Option<Word> = None;
    let finish = |word: &mut Option<Word>, tokens: &mut Vec<Token>| {
        if let Some(w) = word.take() {
            tokens.push(Token::Word(w));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => finish(&mut word, &mut tokens),
            '\n' | ';' => {
                finish(&mut word, &mut tokens);
                tokens.push(Token::Semi);
            }
            '#' if word.is_none() => break,
            '|' => {
                finish(&mut word, &mut tokens);
                if chars.peek() == Some(&'|') {
                    chars.next();
                    tokens.push(Token::Or);
                } else {
                    tokens.push(Token::Pipe);
                }
            }
            '&' => {
                finish(&mut word, &mut tokens);
                if chars.peek() == Some(&'&') {
                    chars.next();
                    tokens.push(Token::And);
                } else {
                    // Background jobs are not simulated: `cmd &` runs in the foreground.
                    tokens.push(Token::Semi);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(Vec::new);
                if w.is_empty() {
                    w.push(Piece::Text(String::new()));
                }
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => push_text(w, c),
                        None => return Err(SyntaxError::UnterminatedQuote),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(Vec::new);
                if w.is_empty() {
                    w.push(Piece::Text(String::new()));
                }
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => push_text(w, e),
                            Some(e) => {
                                push_text(w, '\\');
                                push_text(w, e);
                            }
                            None => return Err(SyntaxError::UnterminatedQuote),
                        },
                        Some('$') => {
                            if !read_var(&mut chars, w) {
                                push_text(w, '$');
                            }
                        }
                        Some(c) => push_text(w, c),
                        None => return Err(SyntaxError::UnterminatedQuote),
                    }
                }
            }
            '\\' => {
                let w = word.get_or_insert_with(Vec::new);
                match chars.next() {
                    Some('\n') | None => {}
                    Some(e) => push_text(w, e),
                }
            }
            '$' => {
                let w = word.get_or_insert_with(Vec::new);
                if !read_var(&mut chars, w) {
                    push_text(w, '$');
                }
            }
            c => push_text(word.get_or_insert_with(Vec::new), c),
        }
    }
    finish(&mut word, &mut tokens);
    Ok(tokens)
}

/// Parses one command line (or a `sh -c` script).
pub fn parse(line: &str) -> Result<Script, SyntaxError> {
    let mut script = Script::default();
    let mut join = Join::Then;
    let mut pipeline: Pipeline = Vec::new();
    let mut command: Vec<Word> = Vec::new();
    // What the last token was, to reject `&& &&`, `| ;` and a leading operator.
    let mut after_operator = true;
    let unexpected = |t: &Token| {
        SyntaxError::Unexpected(
            match t {
                Token::Pipe => "|",
                Token::And => "&&",
                Token::Or => "||",
                Token::Semi => ";",
                Token::Word(_) => "word",
            }
            .to_string(),
        )
    };
    for t in tokenize(line)? {
        match t {
            Token::Word(w) => {
                command.push(w);
                after_operator = false;
            }
            Token::Pipe => {
                if command.is_empty() {
                    return Err(unexpected(&t));
                }
                pipeline.push(std::mem::take(&mut command));
                after_operator = true;
            }
            Token::And | Token::Or | Token::Semi => {
                if command.is_empty() {
                    // A bare `;` after nothing (or a blank line) is harmless; `&&` is not.
                    if t == Token::Semi
                        && pipeline.is_empty()
                        && (after_operator && join == Join::Then)
                    {
                        continue;
                    }
                    return Err(unexpected(&t));
                }
                pipeline.push(std::mem::take(&mut command));
                script.items.push((join, std::mem::take(&mut pipeline)));
                join = match t {
                    Token::And => Join::And,
                    Token::Or => Join::Or,
                    _ => Join::Then,
                };
                after_operator = true;
            }
        }
    }
    if command.is_empty() {
        if !pipeline.is_empty() || join != Join::Then {
            return Err(SyntaxError::Unexpected("end of file".into()));
        }
    } else {
        pipeline.push(command);
        script.items.push((join, pipeline));
    }
    Ok(script)
}

/// Expands a word with `lookup` for variables.
pub fn expand(word: &Word, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    word.iter()
        .map(|p| match p {
            Piece::Text(t) => t.clone(),
            Piece::Var(v) => lookup(v).unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(script: &Script) -> Vec<Vec<Vec<String>>> {
        let env = |v: &str| match v {
            "HOME" => Some("/root".to_string()),
            "?" => Some("3".to_string()),
            _ => None,
        };
        script
            .items
            .iter()
            .map(|(_, p)| {
                p.iter()
                    .map(|c| c.iter().map(|w| expand(w, &env)).collect())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn quotes_keep_spaces_and_single_quotes_do_not_expand() {
        let s = parse(r#"echo "a  b" 'c $HOME' $HOME "${HOME}/x" \$HOME"#).unwrap();
        assert_eq!(
            words(&s),
            vec![vec![vec![
                "echo", "a  b", "c $HOME", "/root", "/root/x", "$HOME"
            ]]]
        );
    }

    #[test]
    fn lists_and_pipelines_parse_with_their_joins() {
        let s = parse("false; echo $? && env | grep KUBE || exit 3").unwrap();
        let joins: Vec<Join> = s.items.iter().map(|(j, _)| *j).collect();
        assert_eq!(joins, vec![Join::Then, Join::Then, Join::And, Join::Or]);
        assert_eq!(
            words(&s),
            vec![
                vec![vec!["false"]],
                vec![vec!["echo", "3"]],
                vec![vec!["env"], vec!["grep", "KUBE"]],
                vec![vec!["exit", "3"]],
            ]
        );
    }

    #[test]
    fn empty_quotes_are_an_empty_argument_and_comments_are_dropped() {
        let s = parse("echo '' x # a comment").unwrap();
        assert_eq!(words(&s), vec![vec![vec!["echo", "", "x"]]]);
        assert_eq!(parse("   ").unwrap(), Script::default());
        assert_eq!(parse("# only").unwrap(), Script::default());
    }

    #[test]
    fn syntax_errors_read_like_sh() {
        assert_eq!(parse("echo 'x"), Err(SyntaxError::UnterminatedQuote));
        assert_eq!(
            parse("&& ls").unwrap_err().to_string(),
            "syntax error: unexpected \"&&\""
        );
        assert!(parse("ls |").is_err());
        assert!(parse("ls &&").is_err());
    }
}
