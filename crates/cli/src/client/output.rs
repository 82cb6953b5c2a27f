//! How client commands print: `--json` prints the API's answer as it came (pretty JSON);
//! otherwise a table of chosen fields, or `key: value` lines for one object.
//!
//! Not here: fetching anything; no colours, no paging.

use serde_json::Value;

/// A column: its header and how to get its text from an item.
pub type Column<'a> = (&'a str, &'a dyn Fn(&Value) -> String);

/// Prints `value` as pretty JSON.
pub fn json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// The text of a field (`a.b` for nested ones): strings bare, null and absent as `-`.
pub fn field(item: &Value, path: &str) -> String {
    let mut v = item;
    for key in path.split('.') {
        v = &v[key];
    }
    text(v)
}

/// A JSON value as table text.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Prints `items` as a table of `columns`, left-aligned, two spaces apart.
pub fn table(items: &[Value], columns: &[Column<'_>]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|(_, get)| one_line(&get(item)))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|(h, _)| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        println!("{}", out.trim_end());
    };
    line(columns.iter().map(|(h, _)| *h).collect());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// `key: value` lines of the chosen fields of one object.
pub fn fields(item: &Value, keys: &[&str]) {
    let width = keys.iter().map(|k| k.len()).max().unwrap_or(0);
    for key in keys {
        println!(
            "{:<width$}  {}",
            format!("{key}:"),
            field(item, key),
            width = width + 1
        );
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r', '\t'], " ")
}

/// A byte count for people: `1.5 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_are_text_and_bytes_are_readable() {
        let v = json!({"a": {"b": "x"}, "n": null, "l": ["p", "q"], "k": 3});
        assert_eq!(field(&v, "a.b"), "x");
        assert_eq!(field(&v, "n"), "-");
        assert_eq!(field(&v, "missing"), "-");
        assert_eq!(field(&v, "l"), "p,q");
        assert_eq!(field(&v, "k"), "3");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }
}
