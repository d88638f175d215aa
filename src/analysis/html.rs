//! HTML input: the article's main text, extracted.
//!
//! Block elements become paragraph breaks, character references are decoded, and the parts of a
//! page that are not the article (script, style, navigation, header, footer, aside, forms) are
//! dropped. The extracted text is what every offset of the annotation indexes, and it is
//! returned to the caller as `text`. Malformed markup never fails: whatever cannot be read as a
//! tag is kept as text.

/// Elements whose whole content is dropped.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "footer", "header", "aside", "form", "svg",
    "iframe", "button", "select", "head", "figure",
];

/// Elements that break paragraphs.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "article",
    "section",
    "main",
    "tr",
    "table",
    "pre",
    "hr",
    "dd",
    "dt",
    "dl",
    "figcaption",
    "title",
    "body",
    "html",
    "td",
    "th",
];

/// Extracts the readable text of an HTML document.
pub fn extract_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut pending_text = String::new();
    // Depth inside dropped elements, by name, so that `<nav><div></div></nav>` closes right.
    let mut dropped: Vec<String> = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < html.len() {
        if bytes[i] == b'<' {
            // Comments and doctype.
            if html[i..].starts_with("<!--") {
                i = html[i + 4..]
                    .find("-->")
                    .map_or(html.len(), |p| i + 4 + p + 3);
                continue;
            }
            if html[i..].starts_with("<!") || html[i..].starts_with("<?") {
                i = html[i..].find('>').map_or(html.len(), |p| i + p + 1);
                continue;
            }
            if let Some((name, closing, self_closing, end)) = parse_tag(html, i) {
                if dropped.is_empty() {
                    flush_text(&mut out, &mut pending_text);
                }
                if DROPPED.contains(&name.as_str()) {
                    if closing {
                        if let Some(pos) = dropped.iter().rposition(|d| *d == name) {
                            dropped.truncate(pos);
                        }
                    } else if !self_closing {
                        // Raw-text elements: skip straight to their end tag.
                        if matches!(name.as_str(), "script" | "style" | "template") {
                            let close = format!("</{name}");
                            let rest = &html[end..];
                            let lower = rest.to_ascii_lowercase();
                            i = lower.find(&close).map_or(html.len(), |p| {
                                end + p + rest[p..].find('>').map_or(rest.len() - p, |q| q + 1)
                            });
                            continue;
                        }
                        dropped.push(name);
                    }
                } else if dropped.is_empty() && BLOCKS.contains(&name.as_str()) {
                    paragraph_break(&mut out);
                }
                i = end;
                continue;
            }
        }
        // Text up to the next '<'.
        let step = html[i..].chars().next().map_or(1, char::len_utf8);
        let next = html[i + step..]
            .find('<')
            .map_or(html.len(), |p| i + step + p);
        if dropped.is_empty() {
            pending_text.push_str(&html[i..next]);
        }
        i = next;
    }
    flush_text(&mut out, &mut pending_text);
    out.trim_end().to_string()
}

/// Parses a tag starting at `<`: (lower-case name, is closing, is self-closing, byte after `>`).
fn parse_tag(html: &str, at: usize) -> Option<(String, bool, bool, usize)> {
    let rest = &html[at + 1..];
    let (closing, rest_name) = match rest.strip_prefix('/') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let name_len = rest_name
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(rest_name.len());
    if name_len == 0 || !rest_name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let name = rest_name[..name_len].to_ascii_lowercase();
    // Find the closing '>' outside attribute quotes.
    let mut quote: Option<char> = None;
    let offset = at + 1 + (rest.len() - rest_name.len()) + name_len;
    for (k, c) in html[offset..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                let self_closing = html[..offset + k].ends_with('/');
                return Some((name, closing, self_closing, offset + k + 1));
            }
            _ => {}
        }
    }
    None
}

/// Appends decoded text with whitespace collapsed, as a browser would render it.
fn flush_text(out: &mut String, pending: &mut String) {
    if pending.is_empty() {
        return;
    }
    let decoded = html_escape::decode_html_entities(pending.as_str());
    for c in decoded.chars() {
        if c.is_whitespace() && c != '\u{A0}' {
            if !(out.is_empty() || out.ends_with(' ') || out.ends_with('\n')) {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    pending.clear();
}

fn paragraph_break(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
    if !out.is_empty() && !out.ends_with("\n\n") {
        if out.ends_with('\n') {
            out.push('\n');
        } else {
            out.push_str("\n\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_article_text() {
        let html = r#"<!doctype html><html><head><title>x</title><style>p{}</style></head>
<body><nav><ul><li>Home</li></ul></nav><script>var a = "<p>";</script>
<article><h1>Talks  resume</h1><p>Zelenskyy said &quot;yes&quot; &amp; left&nbsp;early.</p>
<p>Second<br>line</p></article><footer>(c) 2025</footer></body></html>"#;
        assert_eq!(
            extract_text(html),
            "Talks resume\n\nZelenskyy said \"yes\" & left\u{a0}early.\n\nSecond\n\nline"
        );
    }

    #[test]
    fn malformed_markup_is_kept_as_text() {
        assert_eq!(
            extract_text("a < b and <p unclosed"),
            "a < b and <p unclosed"
        );
        assert_eq!(extract_text(""), "");
    }
}
