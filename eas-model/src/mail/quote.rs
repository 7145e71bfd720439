//! The new text of a reply: the body without the quoted history, for the 14.1 `BodyPart`
//! (MS-ASAIRS 2.2.2.10, conversation view).
//!
//! Exchange knows which part of a message is new because Outlook marks it; a MIME message
//! does not say. The cut is made where the first quote header starts:
//!
//! - a separator line such as `-----Original Message-----` or `---------- Forwarded message
//!   ---------` (three or more dashes, words, three or more dashes);
//! - an attribution line `On <date>, <name> wrote:` (also `Am … schrieb …:` and `Le … a écrit
//!   :`), which mail clients often wrap onto two lines;
//! - an Outlook header block: a `From:` line followed within four lines by `Sent:` or
//!   `Date:`, together with the `____` rule above it;
//! - a trailing block of `>` lines (with an attribution line ending in `:` just above it).
//!   Quoted lines answered in between (an inline reply) are not history, so they stay.
//!
//! In HTML the cut is at the first `<blockquote`, or at the element carrying one of the
//! quote markers mail clients write (`gmail_quote`, `moz-cite-prefix`, `divRplyFwdMsg`,
//! `-----Original Message-----`). Text before the cut that is only white space is removed.

/// The new text of a plain-text body: a prefix of `plain` ending before the quoted history,
/// trailing white space removed. The whole text when no quote header is found.
pub fn new_text(plain: &str) -> &str {
    let lines: Vec<(usize, &str)> = line_starts(plain);
    let mut cut = None;
    for (i, &(start, line)) in lines.iter().enumerate() {
        let next = lines.get(i + 1).map_or("", |(_, l)| *l);
        if is_separator(line) || is_attribution(line, next) || is_outlook_header(&lines[i..]) {
            cut = Some(rule_above(&lines, i).unwrap_or(start));
            break;
        }
        if is_quoted(line) && only_quotes_follow(&lines[i..]) {
            cut = Some(attribution_above(&lines, i).unwrap_or(start));
            break;
        }
    }
    let head = cut.and_then(|c| plain.get(..c)).unwrap_or(plain);
    head.trim_end()
}

/// The new part of an HTML body: a prefix of `html` ending where the first quote starts. The
/// prefix may leave elements open; HTML renderers close them.
pub fn new_html(html: &str) -> &str {
    const MARKERS: [&str; 4] = [
        "gmail_quote",
        "moz-cite-prefix",
        "divrplyfwdmsg",
        "-----original message-----",
    ];
    let lower = html.to_ascii_lowercase();
    let blockquote = lower.find("<blockquote");
    // A marker sits in an attribute or in text: the cut goes back to its element's `<`.
    let marked = MARKERS
        .iter()
        .filter_map(|m| lower.find(m))
        .map(|at| lower.get(..at).and_then(|s| s.rfind('<')).unwrap_or(at))
        .min();
    let cut = match (blockquote, marked) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let head = cut.and_then(|c| html.get(..c)).unwrap_or(html);
    head.trim_end()
}

/// Each line with the byte offset it starts at, line ends removed.
fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0usize;
    for piece in text.split_inclusive('\n') {
        out.push((start, piece.trim_end_matches(['\r', '\n'])));
        start += piece.len();
    }
    out
}

/// `-----Original Message-----` and its kin: dashes, words, dashes.
fn is_separator(line: &str) -> bool {
    let t = line.trim();
    let Some(inner) = t.strip_prefix("---") else {
        return false;
    };
    let inner = inner.trim_start_matches('-');
    let Some(words) = inner.strip_suffix("---") else {
        return false;
    };
    let words = words.trim_end_matches('-').trim();
    words.chars().any(char::is_alphabetic)
}

/// An attribution line, alone or wrapped onto the next line.
fn is_attribution(line: &str, next: &str) -> bool {
    let t = line.trim();
    let lower = t.to_lowercase();
    let starts = ["on ", "am ", "le "].iter().any(|p| lower.starts_with(p));
    if !starts {
        return false;
    }
    let says = |s: &str| {
        let s = s.trim_end();
        s.ends_with(':') && (s.contains("wrote") || s.contains("schrieb") || s.contains("a écrit"))
    };
    says(&lower) || (!lower.ends_with(':') && says(&format!("{lower} {}", next.to_lowercase())))
}

/// An Outlook reply header: `From:` and, within the next four lines, `Sent:` or `Date:`.
fn is_outlook_header(lines: &[(usize, &str)]) -> bool {
    let starts = |l: &str, p: &str| {
        l.trim_start()
            .get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    let Some((_, first)) = lines.first() else {
        return false;
    };
    starts(first, "from:")
        && lines
            .iter()
            .skip(1)
            .take(4)
            .any(|(_, l)| starts(l, "sent:") || starts(l, "date:"))
}

/// The start of an Outlook `____` rule right above line `i` (blank lines between allowed).
fn rule_above(lines: &[(usize, &str)], i: usize) -> Option<usize> {
    let (start, line) = lines
        .get(..i)?
        .iter()
        .rev()
        .find(|(_, l)| !l.trim().is_empty())?;
    let t = line.trim();
    (t.len() >= 10 && t.chars().all(|c| c == '_')).then_some(*start)
}

/// The start of a line ending in `:` right above line `i`: the attribution of a `>` block
/// that [`is_attribution`] did not recognise.
fn attribution_above(lines: &[(usize, &str)], i: usize) -> Option<usize> {
    let (start, line) = lines
        .get(..i)?
        .iter()
        .rev()
        .find(|(_, l)| !l.trim().is_empty())?;
    line.trim_end().ends_with(':').then_some(*start)
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// Whether every non-blank line from here on is quoted.
fn only_quotes_follow(lines: &[(usize, &str)]) -> bool {
    lines
        .iter()
        .all(|(_, l)| l.trim().is_empty() || is_quoted(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_attributions_cut() {
        let t = "Yes.\r\n\r\n-----Original Message-----\r\nFrom: a\r\nold";
        assert_eq!(new_text(t), "Yes.");
        let t = "Sure\nOn Tue, Mar 5, 2024 at 4:04 AM Alice <a@example.com>\nwrote:\n> hi\n";
        assert_eq!(new_text(t), "Sure");
        let t = "Ja\n\nAm 05.03.2024 um 10:00 schrieb Bob:\n> hallo";
        assert_eq!(new_text(t), "Ja");
        let t = "fine\n________________________________\nFrom: Bob\nSent: Monday\nSubject: x\n";
        assert_eq!(new_text(t), "fine");
        assert_eq!(new_text("--- \nsig"), "--- \nsig");
    }

    #[test]
    fn only_trailing_quotes_are_history() {
        assert_eq!(new_text("top\n\nBob said:\n> a\n>\n> b\n"), "top");
        let inline = "> question?\nanswer\n> other?\nanswer two";
        assert_eq!(new_text(inline), inline);
        assert_eq!(new_text("> all quoted"), "");
    }

    #[test]
    fn html_cut_at_the_quote_element() {
        let h = "<div>new</div><div class=\"gmail_quote\"><div>On x wrote:</div><blockquote>old";
        assert_eq!(new_html(h), "<div>new</div>");
        let h = "<p>new</p>\n<blockquote type=\"cite\">old</blockquote>";
        assert_eq!(new_html(h), "<p>new</p>");
        assert_eq!(new_html("<p>only</p>"), "<p>only</p>");
    }
}
