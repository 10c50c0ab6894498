//! The user's search syntax, parsed into terms that each backend renders into its own full-text
//! query language. Parsing never fails: every string is a valid query, so hostile or mistyped
//! input cannot reach the database as syntax.
//!
//! The syntax: words separated by white space must all match; `"a quoted phrase"` must match
//! as a phrase (an unclosed quote runs to the end); `word*` matches words starting with `word`.
//! Operators of the underlying engines (`AND`, `OR`, `NEAR`, `-`, `:`, `^`) are plain words.

/// One search term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Word(String),
    /// Words starting with this.
    Prefix(String),
    Phrase(String),
}

/// Splits a query into terms; empty words and phrases are dropped.
pub fn parse(text: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c == '"' || !c.is_whitespace()) {
        rest = &rest[start..];
        if let Some(after) = rest.strip_prefix('"') {
            let end = after.find('"').unwrap_or(after.len());
            let phrase = after[..end].trim();
            if !phrase.is_empty() {
                terms.push(Term::Phrase(phrase.to_string()));
            }
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            let end = rest
                .find(|c: char| c == '"' || c.is_whitespace())
                .unwrap_or(rest.len());
            let word = &rest[..end];
            let stem = word.trim_end_matches('*');
            if stem.len() < word.len() {
                if !stem.is_empty() {
                    terms.push(Term::Prefix(stem.to_string()));
                }
            } else {
                terms.push(Term::Word(word.to_string()));
            }
            rest = &rest[end..];
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &[Term]) {
        assert_eq!(parse(input), expected, "query {input:?}");
    }

    fn w(s: &str) -> Term {
        Term::Word(s.into())
    }

    fn p(s: &str) -> Term {
        Term::Phrase(s.into())
    }

    #[test]
    fn parses_words_phrases_and_prefixes() {
        check("", &[]);
        check("   ", &[]);
        check("nato", &[w("nato")]);
        check("  НАТО  žinios ", &[w("НАТО"), w("žinios")]);
        check(r#"a "b c" d"#, &[w("a"), p("b c"), w("d")]);
        check(r#"x"b c"y"#, &[w("x"), p("b c"), w("y")]);
        check(r#""unclosed phrase"#, &[p("unclosed phrase")]);
        check(r#"""#, &[]);
        check(r#""  ""#, &[]);
        check("prop*", &[Term::Prefix("prop".into())]);
        check("* **", &[]);
        check("AND OR NOT NEAR", &[w("AND"), w("OR"), w("NOT"), w("NEAR")]);
        check("-x col:y ^z", &[w("-x"), w("col:y"), w("^z")]);
    }
}
