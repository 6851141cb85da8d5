//! Label selectors, parsed, validated and matched as apimachinery's `pkg/labels` does (the
//! apiserver's `labelSelector=`, kubectl's `-l`). One parser for the simulator and the cockpit's
//! `L` filter, so the two cannot disagree on what is valid. Imports nothing of either.
//!
//! The grammar (`labels.Parse`):
//!
//! ```text
//! <selector>    ::= <requirement> | <requirement> "," <selector>
//! <requirement> ::= [!] KEY [ ("in" | "notin") "(" VALUE {"," VALUE} ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
//! ```
//!
//! KEY is a qualified name (`[DNS subdomain "/"] name`, name ≤ 63 characters of
//! `[A-Za-z0-9-_.]` starting and ending alphanumeric); VALUE is empty or ≤ 63 such characters.
//! Errors carry apimachinery's wording, e.g. `unable to parse requirement: found 'b', expected:
//! in, notin, =, ==, !=, gt, lt`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A set of labels a selector can be matched against (apimachinery's `labels.Labels`).
pub trait Labels {
    fn label(&self, key: &str) -> Option<&str>;
}

impl Labels for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl Labels for HashMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<T: Labels + ?Sized> Labels for &T {
    fn label(&self, key: &str) -> Option<&str> {
        (**self).label(key)
    }
}

impl<T: Labels + ?Sized> Labels for std::sync::Arc<T> {
    fn label(&self, key: &str) -> Option<&str> {
        (**self).label(key)
    }
}

/// A JSON `metadata.labels` object.
impl Labels for serde_json::Map<String, serde_json::Value> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(serde_json::Value::as_str)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
    GreaterThan(String, i64),
    LessThan(String, i64),
}

impl Requirement {
    fn matches<'a>(&self, label: &impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Requirement::Equals(k, v) => label(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => label(k) != Some(v.as_str()),
            Requirement::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::NotIn(k, vs) => label(k).is_none_or(|l| !vs.iter().any(|v| v == l)),
            Requirement::Exists(k) => label(k).is_some(),
            Requirement::DoesNotExist(k) => label(k).is_none(),
            Requirement::GreaterThan(k, n) => label(k)
                .and_then(|l| l.parse::<i64>().ok())
                .is_some_and(|l| l > *n),
            Requirement::LessThan(k, n) => label(k)
                .and_then(|l| l.parse::<i64>().ok())
                .is_some_and(|l| l < *n),
        }
    }
}

/// A parsed label selector: every requirement must hold. The empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    /// `labels.Parse`: the selector, or the apiserver's error text.
    pub fn parse(text: &str) -> Result<Self, String> {
        Parser {
            items: lex(text),
            position: 0,
        }
        .parse()
        .map(LabelSelector)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches<L: Labels + ?Sized>(&self, labels: &L) -> bool {
        self.matches_with(|k| labels.label(k))
    }

    /// Matches against any label lookup: `|key| Some(value)` when the label is set.
    pub fn matches_with<'a>(&self, label: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|r| r.matches(&label))
    }

    /// A `matchLabels` map (deployment, service, PDB selectors) as a selector.
    pub fn from_match_labels(labels: &serde_json::Value) -> Self {
        let reqs = labels
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        Requirement::Equals(k.clone(), v.as_str().unwrap_or_default().into())
                    })
                    .collect()
            })
            .unwrap_or_default();
        LabelSelector(reqs)
    }

    /// A `metav1.LabelSelector` (matchLabels + matchExpressions).
    pub fn from_label_selector(sel: &serde_json::Value) -> Self {
        let mut s = Self::from_match_labels(&sel["matchLabels"]);
        for e in sel["matchExpressions"].as_array().into_iter().flatten() {
            let key = e["key"].as_str().unwrap_or_default().to_string();
            let values: Vec<String> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            s.0.push(match e["operator"].as_str().unwrap_or_default() {
                "In" => Requirement::In(key, values),
                "NotIn" => Requirement::NotIn(key, values),
                "Exists" => Requirement::Exists(key),
                _ => Requirement::DoesNotExist(key),
            });
        }
        s
    }
}

// ---- lexer (apimachinery's `Lexer`, byte for byte) ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Error,
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

/// `string2token`: the literal tokens.
fn keyword(s: &[u8]) -> Option<Token> {
    Some(match s {
        b")" => Token::ClosedPar,
        b"," => Token::Comma,
        b"!" => Token::DoesNotExist,
        b"==" => Token::DoubleEquals,
        b"=" => Token::Equals,
        b">" => Token::GreaterThan,
        b"in" => Token::In,
        b"<" => Token::LessThan,
        b"!=" => Token::NotEquals,
        b"notin" => Token::NotIn,
        b"(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special_symbol(c: u8) -> bool {
    matches!(c, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    /// The next byte, 0 at the end (as in Go, a NUL byte in the input reads as 0 too).
    fn read(&mut self) -> u8 {
        match self.s.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => 0,
        }
    }

    fn unread(&mut self) {
        self.pos -= 1;
    }

    fn scan_id_or_keyword(&mut self) -> (Token, String) {
        let mut buf = Vec::new();
        loop {
            match self.read() {
                0 => break,
                c if is_special_symbol(c) || is_whitespace(c) => {
                    self.unread();
                    break;
                }
                c => buf.push(c),
            }
        }
        let tok = keyword(&buf).unwrap_or(Token::Identifier);
        (tok, String::from_utf8_lossy(&buf).into_owned())
    }

    /// The longest run of special symbols that is still a token (`!=`, `==`, `=`, ...).
    fn scan_special_symbol(&mut self) -> (Token, String) {
        let mut last: Option<(Token, usize)> = None;
        let mut buf = Vec::new();
        loop {
            match self.read() {
                0 => break,
                c if is_special_symbol(c) => {
                    buf.push(c);
                    if let Some(t) = keyword(&buf) {
                        last = Some((t, buf.len()));
                    } else if last.is_some() {
                        self.unread();
                        break;
                    }
                }
                _ => {
                    self.unread();
                    break;
                }
            }
        }
        match last {
            Some((t, n)) => (t, String::from_utf8_lossy(&buf[..n]).into_owned()),
            None => (
                Token::Error,
                format!(
                    "error expected: keyword found '{}'",
                    String::from_utf8_lossy(&buf)
                ),
            ),
        }
    }

    fn lex(&mut self) -> (Token, String) {
        let mut c = self.read();
        while is_whitespace(c) {
            c = self.read();
        }
        match c {
            0 => (Token::EndOfString, String::new()),
            c if is_special_symbol(c) => {
                self.unread();
                self.scan_special_symbol()
            }
            _ => {
                self.unread();
                self.scan_id_or_keyword()
            }
        }
    }
}

fn lex(text: &str) -> Vec<(Token, String)> {
    let mut l = Lexer {
        s: text.as_bytes(),
        pos: 0,
    };
    let mut items = Vec::new();
    loop {
        let item = l.lex();
        let end = item.0 == Token::EndOfString;
        items.push(item);
        if end {
            return items;
        }
    }
}

// ---- parser (apimachinery's `Parser`) ----

/// `in` and `notin` are keywords only where an operator may stand: `a in (in)` is valid.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    KeyAndOperator,
    Values,
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Exists,
    DoesNotExist,
    In,
    NotIn,
    Equals,
    NotEquals,
    GreaterThan,
    LessThan,
}

const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

struct Parser {
    items: Vec<(Token, String)>,
    position: usize,
}

impl Parser {
    fn lookahead(&self, ctx: Context) -> (Token, String) {
        let (tok, lit) = self.items[self.position].clone();
        (in_context(tok, ctx), lit)
    }

    fn consume(&mut self, ctx: Context) -> (Token, String) {
        let (tok, lit) = self.items[self.position].clone();
        self.position += 1;
        (in_context(tok, ctx), lit)
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Context::Values);
            match tok {
                Token::Identifier | Token::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.consume(Context::Values);
                    match t {
                        Token::EndOfString => return Ok(reqs),
                        Token::Comma => {
                            let (t2, l2) = self.lookahead(Context::Values);
                            if t2 != Token::Identifier && t2 != Token::DoesNotExist {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Token::EndOfString => return Ok(reqs),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, op) = self.parse_key_and_infer_operator()?;
        if let Some(op @ (Op::Exists | Op::DoesNotExist)) = op {
            return new_requirement(key, op, Vec::new());
        }
        let op = self.parse_operator()?;
        let values = match op {
            Op::In | Op::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        new_requirement(key, op, values.into_iter().collect())
    }

    /// The key, and Exists/DoesNotExist when no binary operator follows.
    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Op>), String> {
        let mut op = None;
        let (mut tok, mut lit) = self.consume(Context::Values);
        if tok == Token::DoesNotExist {
            op = Some(Op::DoesNotExist);
            (tok, lit) = self.consume(Context::Values);
        }
        if tok != Token::Identifier {
            return Err(format!("found '{lit}', expected: identifier"));
        }
        validate_label_key(&lit, "<nil>")?;
        let (next, _) = self.lookahead(Context::Values);
        if matches!(next, Token::EndOfString | Token::Comma) && op.is_none() {
            op = Some(Op::Exists);
        }
        Ok((lit, op))
    }

    fn parse_operator(&mut self) -> Result<Op, String> {
        let (tok, lit) = self.consume(Context::KeyAndOperator);
        Ok(match tok {
            Token::In => Op::In,
            Token::Equals | Token::DoubleEquals => Op::Equals,
            Token::GreaterThan => Op::GreaterThan,
            Token::LessThan => Op::LessThan,
            Token::NotIn => Op::NotIn,
            Token::NotEquals => Op::NotEquals,
            _ => return Err(format!("found '{lit}', expected: {BINARY_OPERATORS}")),
        })
    }

    /// `(x,y,z)`: a sorted set, where `()`, `(,` and `,,` stand for the empty value.
    fn parse_values(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, lit) = self.consume(Context::Values);
        if tok != Token::OpenPar {
            // sic: apimachinery has no comma before "expected" here.
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(Context::Values);
        match tok {
            Token::Identifier | Token::Comma => {
                let s = self.parse_identifiers_list()?;
                if self.consume(Context::Values).0 != Token::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([String::new()]))
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, String> {
        let mut s = BTreeSet::new();
        loop {
            let (tok, lit) = self.consume(Context::Values);
            match tok {
                Token::Identifier => {
                    s.insert(lit);
                    let (tok2, lit2) = self.lookahead(Context::Values);
                    match tok2 {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(s),
                        _ => return Err(format!("found '{lit2}', expected: ',' or ')'")),
                    }
                }
                Token::Comma => {
                    if s.is_empty() {
                        s.insert(String::new());
                    }
                    let (tok2, _) = self.lookahead(Context::Values);
                    if tok2 == Token::ClosedPar {
                        s.insert(String::new());
                        return Ok(s);
                    }
                    if tok2 == Token::Comma {
                        self.consume(Context::Values);
                        s.insert(String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, _) = self.lookahead(Context::Values);
        if matches!(tok, Token::EndOfString | Token::Comma) {
            return Ok(BTreeSet::from([String::new()]));
        }
        let (tok, lit) = self.consume(Context::Values);
        if tok == Token::Identifier {
            Ok(BTreeSet::from([lit]))
        } else {
            Err(format!("found '{lit}', expected: identifier"))
        }
    }
}

fn in_context(tok: Token, ctx: Context) -> Token {
    match tok {
        Token::In | Token::NotIn if ctx == Context::Values => Token::Identifier,
        t => t,
    }
}

/// `NewRequirement`: validates the values (the key was validated while parsing) and builds
/// the requirement; every problem is reported, as a field.ErrorList aggregate.
fn new_requirement(key: String, op: Op, values: Vec<String>) -> Result<Requirement, String> {
    let mut errs: Vec<String> = Vec::new();
    let mut number = None;
    if matches!(op, Op::GreaterThan | Op::LessThan) {
        for (i, v) in values.iter().enumerate() {
            match v.parse::<i64>() {
                Ok(n) => number = Some(n),
                Err(_) => errs.push(invalid(
                    &format!("values[{i}]"),
                    v,
                    "for 'Gt', 'Lt' operators, the value must be an integer",
                )),
            }
        }
    }
    for (i, v) in values.iter().enumerate() {
        if let Err(e) = validate_label_value(&key, v, &format!("values[{i}]")) {
            errs.push(e);
        }
    }
    if !errs.is_empty() {
        return Err(aggregate(errs));
    }
    let one = || values.first().cloned().unwrap_or_default();
    Ok(match op {
        Op::Exists => Requirement::Exists(key),
        Op::DoesNotExist => Requirement::DoesNotExist(key),
        Op::Equals => Requirement::Equals(key, one()),
        Op::NotEquals => Requirement::NotEquals(key, one()),
        Op::In => Requirement::In(key, values),
        Op::NotIn => Requirement::NotIn(key, values),
        Op::GreaterThan => Requirement::GreaterThan(key, number.unwrap_or_default()),
        Op::LessThan => Requirement::LessThan(key, number.unwrap_or_default()),
    })
}

/// `utilerrors.Aggregate.Error()`: one message as is, several deduplicated in brackets.
fn aggregate(errs: Vec<String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for e in errs {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    if seen.len() == 1 {
        seen.remove(0)
    } else {
        format!("[{}]", seen.join(", "))
    }
}

// ---- validation (apimachinery's `pkg/util/validation`) ----

const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const NAME_MAX: usize = 63;
const LABEL_VALUE_MAX: usize = 63;
const DNS1123_SUBDOMAIN_MAX: usize = 253;

fn validate_label_key(key: &str, path: &str) -> Result<(), String> {
    let errs = is_qualified_name(key);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(invalid(path, key, &errs.join("; ")))
    }
}

fn validate_label_value(key: &str, value: &str, path: &str) -> Result<(), String> {
    let errs = is_valid_label_value(value);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(invalid(&format!("{path}[{key}]"), value, &errs.join("; ")))
    }
}

/// `field.Invalid(path, value, detail).Error()`.
fn invalid(path: &str, value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: {}: {detail}", go_quote(value))
}

/// `validation.RegexError`, down to its double space before "or".
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut out = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str(&format!("'{e}', "));
    }
    out.push_str(&format!("regex used for validation is '{fmt}')"));
    out
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, the name part of a key and a non-empty value.
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && alnum(&b[0])
        && alnum(&b[b.len() - 1])
        && b.iter().all(|c| alnum(c) || *c == b'-')
}

fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(format!(
            "must be no more than {DNS1123_SUBDOMAIN_MAX} characters"
        ));
    }
    if !value.split('.').all(is_dns1123_label) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// `validation.IsQualifiedName`: what a label key must be.
fn is_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts[..] {
        [name] => name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(
                    is_dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            name
        }
        _ => {
            return vec![format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(
                    QUALIFIED_NAME_ERR,
                    QUALIFIED_NAME_FMT,
                    &["MyName", "my.name", "123-abc"]
                )
            )];
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > NAME_MAX {
        errs.push(format!(
            "name part must be no more than {NAME_MAX} characters"
        ));
    }
    if !is_qualified_name_part(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_ERR,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// `validation.IsValidLabelValue`.
fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX {
        errs.push(format!("must be no more than {LABEL_VALUE_MAX} characters"));
    }
    if !(value.is_empty() || is_qualified_name_part(value)) {
        errs.push(regex_error(
            LABEL_VALUE_ERR,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// Go's `%q` for the strings a selector can hold (printable text kept, controls escaped).
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn err(s: &str) -> String {
        LabelSelector::parse(s).unwrap_err()
    }

    const NAME_PART: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    const VALUE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    // The simulator's tests from before the parsers were merged.
    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + 'a {
        move |k| pairs.iter().find(|(a, _)| *a == k).map(|(_, v)| *v)
    }

    #[test]
    fn equality_and_set_requirements_match() {
        let s = LabelSelector::parse("app=web,tier in (front, back),!canary").unwrap();
        assert!(s.matches_with(lookup(&[("app", "web"), ("tier", "front")])));
        assert!(!s.matches_with(lookup(&[("app", "web"), ("tier", "db")])));
        assert!(!s.matches_with(lookup(&[
            ("app", "web"),
            ("tier", "front"),
            ("canary", "1")
        ])));
    }

    #[test]
    fn not_equals_and_notin_accept_missing_labels() {
        let s = LabelSelector::parse("app!=web,env notin (prod)").unwrap();
        assert!(s.matches_with(lookup(&[])));
    }

    #[test]
    fn garbage_selector_is_an_error() {
        assert!(LabelSelector::parse("app=we b=").is_err());
        assert!(LabelSelector::parse("tier in (a").is_err());
    }

    #[test]
    fn valid_forms_parse_and_match() {
        let web = labels(&[("app", "web"), ("tier", "front")]);
        let cases: &[(&str, bool)] = &[
            ("", true),
            ("   ", true),
            ("app=web", true),
            ("app==web", true),
            ("app = web", true),
            ("app!=web", false),
            ("app!=db", true),
            ("tier in (front,back)", true),
            ("tier in(front, back)", true),
            ("tier in (back)", false),
            ("tier notin (front)", false),
            ("tier notin (db)", true),
            ("env notin (prod)", true),
            ("app", true),
            ("env", false),
            ("!env", true),
            ("!app", false),
            ("app=web,tier in (front),!canary", true),
            ("app=web, !tier", false),
            ("app.kubernetes.io/name", false),
            ("in=x", false),
            ("tier in (in, notin, front)", true),
            ("app=", false),
            ("tier in ()", false),
        ];
        for (s, want) in cases {
            let sel = LabelSelector::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
            assert_eq!(sel.matches(&web), *want, "{s:?}");
        }
    }

    #[test]
    fn empty_values_match_empty_labels() {
        let l = labels(&[("a", "")]);
        for s in ["a=", "a==", "a in ()", "a in (,x)", "a in (x,,y)"] {
            assert!(LabelSelector::parse(s).unwrap().matches(&l), "{s}");
        }
        assert!(!LabelSelector::parse("a=").unwrap().matches(&labels(&[])));
        assert!(LabelSelector::parse("a!=").unwrap().matches(&labels(&[])));
    }

    #[test]
    fn gt_and_lt_compare_integers() {
        let l = labels(&[("n", "5"), ("s", "five")]);
        assert!(LabelSelector::parse("n>4").unwrap().matches(&l));
        assert!(!LabelSelector::parse("n>5").unwrap().matches(&l));
        assert!(LabelSelector::parse("n<6").unwrap().matches(&l));
        assert!(!LabelSelector::parse("s<6").unwrap().matches(&l));
        assert!(!LabelSelector::parse("m<6").unwrap().matches(&l));
        assert_eq!(
            err("n>x"),
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
    }

    #[test]
    fn matches_with_takes_any_lookup() {
        let json = serde_json::json!({"app": "web"});
        let map = json.as_object().unwrap();
        let sel = LabelSelector::parse("app in (web,api),!canary").unwrap();
        assert!(sel.matches(map));
        assert!(sel.matches_with(|k| map.get(k).and_then(|v| v.as_str())));
        assert!(!sel.matches_with(|_| None));
    }

    #[test]
    fn syntax_errors_have_apimachinery_wording() {
        let cases: &[(&str, &str)] = &[
            (
                "a b",
                "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
            ),
            ("a=b c", "found 'c', expected: ',' or 'end of string'"),
            ("a=b=c", "found '=', expected: ',' or 'end of string'"),
            ("!a=b", "found '=', expected: ',' or 'end of string'"),
            ("a,", "found '', expected: identifier after ','"),
            ("a,,b", "found ',', expected: identifier after ','"),
            (
                ",a",
                "found ',', expected: !, identifier, or 'end of string'",
            ),
            (
                "=a",
                "found '=', expected: !, identifier, or 'end of string'",
            ),
            (
                "!",
                "unable to parse requirement: found '', expected: identifier",
            ),
            (
                "a=(b)",
                "unable to parse requirement: found '(', expected: identifier",
            ),
            (
                "a in b",
                "unable to parse requirement: found 'b' expected: '('",
            ),
            (
                "a in (x",
                "unable to parse requirement: found '', expected: ',' or ')'",
            ),
            (
                "a in (x y)",
                "unable to parse requirement: found 'y', expected: ',' or ')'",
            ),
            (
                "a in (x,",
                "unable to parse requirement: found '', expected: ',', or identifier",
            ),
            (
                "a in (=)",
                "unable to parse requirement: found '=', expected: ',', ')' or identifier",
            ),
            ("a in (x))", "found ')', expected: ',' or 'end of string'"),
        ];
        for (s, want) in cases {
            assert_eq!(err(s), *want, "{s:?}");
        }
    }

    #[test]
    fn keys_and_values_are_validated_like_the_apiserver() {
        assert_eq!(
            err("-app"),
            format!("unable to parse requirement: <nil>: Invalid value: \"-app\": {NAME_PART}")
        );
        assert_eq!(
            err("app:web"),
            format!("unable to parse requirement: <nil>: Invalid value: \"app:web\": {NAME_PART}")
        );
        assert_eq!(
            err("a/b/c"),
            "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        );
        assert_eq!(
            err("app.kubernetes_io/name=x"),
            "unable to parse requirement: <nil>: Invalid value: \"app.kubernetes_io/name\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        );
        assert_eq!(
            err("/a"),
            "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty"
        );
        assert_eq!(
            err("a/"),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be non-empty; {NAME_PART}"
            )
        );
        let long = "k".repeat(64);
        assert_eq!(
            err(&long),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"{long}\": name part must be no more than 63 characters"
            )
        );
        assert!(LabelSelector::parse(&"k".repeat(63)).is_ok());
        assert!(LabelSelector::parse(&format!("{}/k", "d".repeat(253))).is_ok());

        assert_eq!(
            err("a=b/c"),
            format!("unable to parse requirement: values[0][a]: Invalid value: \"b/c\": {VALUE}")
        );
        let long = "v".repeat(64);
        assert_eq!(
            err(&format!("a={long}")),
            format!(
                "unable to parse requirement: values[0][a]: Invalid value: \"{long}\": must be no more than 63 characters"
            )
        );
        assert!(LabelSelector::parse(&format!("a={}", "v".repeat(63))).is_ok());
        assert_eq!(
            err("a in (-x,y_)"),
            format!(
                "unable to parse requirement: [values[0][a]: Invalid value: \"-x\": {VALUE}, values[1][a]: Invalid value: \"y_\": {VALUE}]"
            )
        );
        assert_eq!(
            err("a=wé"),
            format!("unable to parse requirement: values[0][a]: Invalid value: \"wé\": {VALUE}")
        );
    }
}
