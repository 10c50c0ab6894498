//! Escaping text for markup: HTML pages, and the XML of feeds and graph files. One rule set
//! serves both, since every character it writes means the same in HTML and in XML 1.0.

/// Appends `s` to `out`, escaped for element content and quoted attribute values.
///
/// `&`, `<`, `>`, `"` and `'` become character references (`'` as `&#39;`, which HTML 4 also
/// reads, unlike `&apos;`). Control characters other than tab, line feed and carriage return
/// are dropped: XML 1.0 forbids them even when escaped, and no page shows them.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

/// `s` escaped as [`escape_into`] does.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_what_markup_reads_and_drops_what_xml_forbids() {
        let check = |input: &str, want: &str| assert_eq!(escape(input), want, "{input:?}");
        check("<script>&\"'", "&lt;script&gt;&amp;&quot;&#39;");
        check("plain ąčę Ūž ёж", "plain ąčę Ūž ёж");
        check("a\u{1}b\u{1f}c", "abc");
        check("tab\tline\nreturn\r", "tab\tline\nreturn\r");
        check("", "");
    }
}
