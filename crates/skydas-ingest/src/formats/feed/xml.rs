//! A lenient XML tokenizer for feeds: start and end tags, text and CDATA, with the entities an
//! internal DOCTYPE declares. Feeds in the wild are often not well-formed XML (a stray `<`, a
//! bare `&`, a file cut short, a comment before the declaration), so nothing here is fatal: what
//! cannot be markup is text, and every repair is counted for the import report.
//!
//! Safe by construction: no external entity or DTD is ever fetched, declared entities are
//! expanded once at declaration with a size budget (no expansion bomb), and every token is
//! bounded by the record limit.

use std::collections::HashMap;
use std::io;

use super::charset::Chars;
use super::html::entity;

/// Most bytes of expanded text one declared entity may hold.
const MAX_ENTITY: usize = 64 << 10;
/// Most bytes of expanded text all declared entities of a document may hold together.
const MAX_ENTITIES_TOTAL: usize = 1 << 20;
/// Most attributes kept per tag.
const MAX_ATTRS: usize = 256;
/// Longest entity name looked for after `&`.
const MAX_ENTITY_NAME: usize = 32;

/// One token of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// A start tag, as written (names are not lowercased), with its byte offset in the file.
    Start {
        name: String,
        attrs: Vec<(String, String)>,
        /// `<tag/>`: no content and no end tag follow.
        empty: bool,
        offset: u64,
    },
    End {
        name: String,
    },
    /// Text (entities decoded) or a CDATA section.
    Text(String),
    Eof,
}

/// The tokenizer over a document's characters.
pub(crate) struct Tokenizer<'a> {
    chars: Chars<'a>,
    /// Characters read ahead and put back, with their offsets, last first.
    back: Vec<(char, u64)>,
    entities: HashMap<String, String>,
    entity_bytes: usize,
    max: usize,
    /// The document ended inside markup or a CDATA section.
    pub truncated: bool,
    /// Places where the input was not well-formed and was read leniently.
    pub repaired: u64,
    /// External entities and DTDs that were declared and not fetched.
    pub external_entities: u64,
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.')
}

impl<'a> Tokenizer<'a> {
    pub(crate) fn new(chars: Chars<'a>, max: usize) -> Tokenizer<'a> {
        Tokenizer {
            chars,
            back: Vec::new(),
            entities: HashMap::new(),
            entity_bytes: 0,
            max,
            truncated: false,
            repaired: 0,
            external_entities: 0,
        }
    }

    /// Bytes that were not valid in the document's encoding.
    pub(crate) fn invalid_bytes(&self) -> u64 {
        self.chars.invalid
    }

    /// The byte offset of the next character.
    pub(crate) fn offset(&self) -> u64 {
        self.back.last().map_or(self.chars.offset(), |&(_, o)| o)
    }

    fn next(&mut self) -> io::Result<Option<(char, u64)>> {
        if let Some(c) = self.back.pop() {
            return Ok(Some(c));
        }
        let off = self.chars.offset();
        Ok(self.chars.next_char()?.map(|c| (c, off)))
    }

    fn put_back(&mut self, c: (char, u64)) {
        self.back.push(c);
    }

    fn peek(&mut self) -> io::Result<Option<char>> {
        let c = self.next()?;
        if let Some(c) = c {
            self.put_back(c);
        }
        Ok(c.map(|c| c.0))
    }

    /// Whether the next characters are `s`; they are taken when they are, put back otherwise.
    fn take(&mut self, s: &str) -> io::Result<bool> {
        let mut got = Vec::new();
        for want in s.chars() {
            match self.next()? {
                Some(c) if c.0.eq_ignore_ascii_case(&want) => got.push(c),
                other => {
                    if let Some(c) = other {
                        got.push(c);
                    }
                    for c in got.into_iter().rev() {
                        self.put_back(c);
                    }
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// The next token.
    pub(crate) fn token(&mut self) -> io::Result<Token> {
        let mut text = String::new();
        loop {
            if text.len() >= self.max {
                return Ok(Token::Text(text));
            }
            let Some((c, off)) = self.next()? else {
                return Ok(if text.is_empty() {
                    Token::Eof
                } else {
                    Token::Text(text)
                });
            };
            match c {
                '<' => {
                    let markup = self
                        .peek()?
                        .is_some_and(|n| is_name_start(n) || matches!(n, '/' | '!' | '?'));
                    if !markup {
                        // `a < b`, or a `<` at the very end: text after all.
                        self.repaired += 1;
                        text.push('<');
                        continue;
                    }
                    if !text.is_empty() {
                        self.put_back((c, off));
                        return Ok(Token::Text(text));
                    }
                    if let Some(t) = self.markup(off)? {
                        return Ok(t);
                    }
                }
                '&' => self.reference(&mut text)?,
                c => text.push(c),
            }
        }
    }

    /// After `<`: a tag, or markup that yields no token (a comment, a declaration), `None`.
    fn markup(&mut self, offset: u64) -> io::Result<Option<Token>> {
        if self.take("!--")? {
            self.skip_until("-->")?;
            return Ok(None);
        }
        if self.take("![CDATA[")? {
            let mut s = String::new();
            loop {
                match self.next()? {
                    None => {
                        self.truncated = true;
                        break;
                    }
                    Some((']', o)) => {
                        if self.take("]>")? {
                            break;
                        }
                        let _ = o;
                        s.push(']');
                    }
                    Some((c, _)) => {
                        if s.len() < self.max {
                            s.push(c);
                        }
                    }
                }
            }
            return Ok(Some(Token::Text(s)));
        }
        if self.take("!DOCTYPE")? {
            self.doctype()?;
            return Ok(None);
        }
        if self.take("!")? {
            self.skip_decl()?;
            return Ok(None);
        }
        if self.take("?")? {
            self.skip_until("?>")?;
            return Ok(None);
        }
        if self.take("/")? {
            let name = self.name()?;
            // To the `>`, past anything between.
            loop {
                match self.next()? {
                    None => {
                        self.truncated = true;
                        break;
                    }
                    Some(('>', _)) => break,
                    Some(('<', o)) => {
                        self.repaired += 1;
                        self.put_back(('<', o));
                        break;
                    }
                    Some(_) => {}
                }
            }
            return Ok(Some(Token::End { name }));
        }
        self.start_tag(offset).map(Some)
    }

    fn name(&mut self) -> io::Result<String> {
        let mut name = String::new();
        while let Some(c) = self.next()? {
            if is_name_char(c.0) && name.len() < 256 {
                name.push(c.0);
            } else {
                self.put_back(c);
                break;
            }
        }
        Ok(name)
    }

    fn skip_ws(&mut self) -> io::Result<()> {
        while let Some(c) = self.next()? {
            if !c.0.is_whitespace() {
                self.put_back(c);
                break;
            }
        }
        Ok(())
    }

    fn start_tag(&mut self, offset: u64) -> io::Result<Token> {
        let name = self.name()?;
        let mut attrs = Vec::new();
        let mut empty = false;
        let mut size = name.len();
        loop {
            self.skip_ws()?;
            let Some((c, o)) = self.next()? else {
                self.truncated = true;
                break;
            };
            match c {
                '>' => break,
                '/' => {
                    if self.peek()? == Some('>') {
                        self.next()?;
                        empty = true;
                        break;
                    }
                }
                '<' => {
                    // A tag that never closed: end it here and read on.
                    self.repaired += 1;
                    self.put_back((c, o));
                    break;
                }
                c if is_name_start(c) => {
                    self.put_back((c, o));
                    let key = self.name()?;
                    self.skip_ws()?;
                    let value = if self.peek()? == Some('=') {
                        self.next()?;
                        self.skip_ws()?;
                        self.attr_value()?
                    } else {
                        String::new()
                    };
                    size += key.len() + value.len();
                    if attrs.len() < MAX_ATTRS && size <= self.max {
                        attrs.push((key, value));
                    }
                }
                _ => self.repaired += 1,
            }
        }
        Ok(Token::Start {
            name,
            attrs,
            empty,
            offset,
        })
    }

    fn attr_value(&mut self) -> io::Result<String> {
        let mut v = String::new();
        let quote = match self.peek()? {
            Some(q @ ('"' | '\'')) => {
                self.next()?;
                Some(q)
            }
            _ => None,
        };
        loop {
            let Some((c, o)) = self.next()? else {
                self.truncated = true;
                break;
            };
            match (quote, c) {
                (Some(q), c) if c == q => break,
                (None, c) if c.is_whitespace() || c == '>' => {
                    self.put_back((c, o));
                    break;
                }
                (None, '/') if self.peek()? == Some('>') => {
                    self.put_back((c, o));
                    break;
                }
                (_, '&') => self.reference(&mut v)?,
                (_, c) => {
                    if v.len() < self.max {
                        v.push(c);
                    }
                }
            }
        }
        Ok(v)
    }

    /// After `&`: a character or entity reference, decoded into `out`; a bare `&` stays one.
    fn reference(&mut self, out: &mut String) -> io::Result<()> {
        let mut name = String::new();
        let mut read = Vec::new();
        while let Some(c) = self.next()? {
            if c.0 == ';' && !name.is_empty() {
                if let Some(v) = self.resolve(&name) {
                    out.push_str(&v);
                } else {
                    out.push('&');
                    out.push_str(&name);
                    out.push(';');
                }
                return Ok(());
            }
            if (c.0.is_ascii_alphanumeric() || matches!(c.0, '#' | '_' | '.' | '-'))
                && name.len() < MAX_ENTITY_NAME
            {
                name.push(c.0);
                read.push(c);
            } else {
                self.put_back(c);
                break;
            }
        }
        // Not a reference: the `&` is text, and what followed it is read again.
        self.repaired += 1;
        out.push('&');
        for c in read.into_iter().rev() {
            self.put_back(c);
        }
        Ok(())
    }

    fn resolve(&self, name: &str) -> Option<String> {
        match name {
            "lt" => Some("<".into()),
            "gt" => Some(">".into()),
            "amp" => Some("&".into()),
            "quot" => Some("\"".into()),
            "apos" => Some("'".into()),
            _ => self.entities.get(name).cloned().or_else(|| entity(name)),
        }
    }

    fn skip_until(&mut self, end: &str) -> io::Result<()> {
        let first = end.chars().next().unwrap_or('>');
        loop {
            match self.next()? {
                None => {
                    self.truncated = true;
                    return Ok(());
                }
                Some((c, _)) if c == first => {
                    if self.take(&end[first.len_utf8()..])? {
                        return Ok(());
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// Reads a declaration to its `>`, past quoted text. With `subset` it stops instead at an
    /// unquoted `[`, where a DOCTYPE's internal subset opens, and says so by returning `true`.
    fn scan_decl(&mut self, subset: bool) -> io::Result<bool> {
        let mut quote = None;
        loop {
            let Some((c, _)) = self.next()? else {
                self.truncated = true;
                return Ok(false);
            };
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '[') if subset => return Ok(true),
                (None, '>') => return Ok(false),
                _ => {}
            }
        }
    }

    /// A declaration (`<!ELEMENT …>`, `<!ENTITY …>` outside a DOCTYPE): to its `>`, past quoted
    /// text.
    fn skip_decl(&mut self) -> io::Result<()> {
        self.scan_decl(false)?;
        Ok(())
    }

    /// After `<!DOCTYPE`: to its `>`, reading the general entities its internal subset declares.
    fn doctype(&mut self) -> io::Result<()> {
        if !self.scan_decl(true)? {
            return Ok(());
        }
        // The internal subset, to `]`.
        loop {
            self.skip_ws()?;
            let Some((c, o)) = self.next()? else {
                self.truncated = true;
                return Ok(());
            };
            match c {
                ']' => break,
                '<' if self.take("!--")? => self.skip_until("-->")?,
                '<' if self.take("!ENTITY")? => self.entity_decl()?,
                '<' => self.skip_decl()?,
                // A parameter entity reference (`%name;`): never fetched.
                '%' => {
                    self.external_entities += 1;
                    while let Some((c, _)) = self.next()? {
                        if c == ';' || c.is_whitespace() {
                            break;
                        }
                    }
                }
                _ => {
                    let _ = o;
                    self.repaired += 1;
                }
            }
        }
        self.skip_decl()
    }

    /// After `<!ENTITY`: a general internal entity is kept, expanded; parameter and external
    /// entities are counted and never fetched.
    fn entity_decl(&mut self) -> io::Result<()> {
        self.skip_ws()?;
        if self.peek()? == Some('%') {
            self.external_entities += 1;
            return self.skip_decl();
        }
        let name = self.name()?;
        self.skip_ws()?;
        let quote = match self.peek()? {
            Some(q @ ('"' | '\'')) => {
                self.next()?;
                q
            }
            _ => {
                // `SYSTEM "…"` or `PUBLIC "…" "…"`: external, not fetched.
                self.external_entities += 1;
                return self.skip_decl();
            }
        };
        let mut raw = String::new();
        loop {
            let Some((c, _)) = self.next()? else {
                self.truncated = true;
                return Ok(());
            };
            if c == quote {
                break;
            }
            if raw.len() < MAX_ENTITY {
                raw.push(c);
            }
        }
        self.skip_decl()?;
        // Expanded now, once, against the entities declared before it: a reference to itself
        // or to a later entity stays literal, so nothing can recurse.
        let mut value = String::new();
        let mut rest = raw.as_str();
        while let Some(i) = rest.find('&') {
            value.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            match after.find(';').filter(|&k| k <= MAX_ENTITY_NAME) {
                Some(k) => {
                    let n = &after[..k];
                    match self.resolve(n) {
                        Some(v) if value.len() + v.len() <= MAX_ENTITY => value.push_str(&v),
                        _ => {
                            value.push('&');
                            value.push_str(n);
                            value.push(';');
                        }
                    }
                    rest = &after[k + 1..];
                }
                None => {
                    value.push('&');
                    rest = after;
                }
            }
        }
        value.push_str(rest);
        value.truncate(floor_char_boundary(&value, MAX_ENTITY));
        if !name.is_empty()
            && !self.entities.contains_key(&name)
            && self.entity_bytes + value.len() <= MAX_ENTITIES_TOTAL
        {
            self.entity_bytes += value.len();
            self.entities.insert(name, value);
        }
        Ok(())
    }
}

fn floor_char_boundary(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::charset::{Chars, Encoding};
    use super::*;

    fn tokens(s: &str) -> (Vec<Token>, bool, u64) {
        let mut input = s.as_bytes();
        let chars = Chars::new(&mut input, Encoding::Utf8, 0);
        let mut t = Tokenizer::new(chars, 1 << 20);
        let mut out = Vec::new();
        loop {
            match t.token().unwrap() {
                Token::Eof => break,
                tok => out.push(tok),
            }
        }
        (out, t.truncated, t.repaired)
    }

    fn start(name: &str, attrs: &[(&str, &str)], empty: bool, offset: u64) -> Token {
        Token::Start {
            name: name.into(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            empty,
            offset,
        }
    }

    #[test]
    fn tags_text_cdata_and_entities() {
        let doc = "<?xml version='1.0'?><!-- c --><a href=\"x&amp;y\" b='1'><![CDATA[<raw>]]>t&eacute;st&#x41;<e/></a>";
        let e_at = doc.find("<e/>").unwrap() as u64;
        let (t, truncated, repaired) = tokens(doc);
        assert_eq!(
            t,
            vec![
                start("a", &[("href", "x&y"), ("b", "1")], false, 31),
                Token::Text("<raw>".into()),
                Token::Text("téstA".into()),
                start("e", &[], true, e_at),
                Token::End { name: "a".into() },
            ]
        );
        assert!(!truncated);
        assert_eq!(repaired, 0);
    }

    #[test]
    fn broken_markup_is_read_leniently_and_counted() {
        let (t, truncated, repaired) =
            tokens("<rss><item><title>a < b & c</title><link>http://x/?a=1&b=2</link></item></rss");
        let texts: Vec<&Token> = t.iter().filter(|x| matches!(x, Token::Text(_))).collect();
        assert_eq!(
            texts,
            vec![
                &Token::Text("a < b & c".into()),
                &Token::Text("http://x/?a=1&b=2".into())
            ]
        );
        assert_eq!(t.last(), Some(&Token::End { name: "rss".into() }));
        assert!(truncated, "the last end tag has no `>`");
        assert_eq!(repaired, 3);
    }

    #[test]
    fn internal_entities_expand_once_external_ones_are_never_fetched() {
        let doc = "<!DOCTYPE rss [ <!ENTITY id \"tag:example.com,\"> <!ENTITY two \"&id;&id;\"> \
                   <!ENTITY ext SYSTEM \"http://evil.example/x\"> <!ENTITY % p SYSTEM \"y\"> %p; ]>\
                   <rss><guid>&id;2006&two;&ext;</guid></rss>";
        let (t, _, _) = tokens(doc);
        assert!(t.contains(&Token::Text(
            "tag:example.com,2006tag:example.com,tag:example.com,&ext;".into()
        )));
        // A billion laughs stays small: each level is capped, the total too.
        let mut bomb =
            String::from("<!DOCTYPE r [<!ENTITY a0 \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\">");
        for i in 1..30 {
            let refs: String = (0..10).map(|_| format!("&a{};", i - 1)).collect();
            bomb.push_str(&format!("<!ENTITY a{i} \"{refs}\">"));
        }
        bomb.push_str("]><r>&a29;&a29;&a29;</r>");
        let (t, _, _) = tokens(&bomb);
        let size: usize = t
            .iter()
            .map(|x| match x {
                Token::Text(s) => s.len(),
                _ => 0,
            })
            .sum();
        assert!(size <= 3 * MAX_ENTITY, "{size}");
    }
}
