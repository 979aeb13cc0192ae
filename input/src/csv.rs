//! CSV for staff exports (the waitlist, the audit log): every field quoted, quotes
//! doubled, and formulas defused so a spreadsheet never runs what a customer typed.

/// One CSV field: quoted, quotes doubled, and a leading `=`, `+`, `-`, `@` (or tab/CR)
/// defused so a spreadsheet never runs it as a formula.
pub fn field(value: &str) -> String {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let value = if risky {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// Appends one row (fields quoted, CRLF-terminated) to `out`.
pub fn push_row(out: &mut String, cells: &[&str]) {
    let cells: Vec<String> = cells.iter().map(|cell| field(cell)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("ada@example.org"), "\"ada@example.org\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "\"'-1\"");
        assert_eq!(field("a,b\nc"), "\"a,b\nc\"");
        let mut out = String::new();
        push_row(&mut out, &["a", "=b"]);
        assert_eq!(out, "\"a\",\"'=b\"\r\n");
    }
}
