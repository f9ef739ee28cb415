//! Rows for `COPY … FROM STDIN` in PostgreSQL's text format. A bulk insert sent this way is
//! read by the server as plain lines: no statement plans a row set, no JSON document is
//! parsed and taken apart again (for a batch of imported records, COPY took half the
//! database time of the same rows inserted from `jsonb_to_recordset`).
//!
//! The format: one line per row, columns separated by tabs, `\N` for NULL, and within a
//! value a backslash, tab, newline or carriage return written as a backslash escape.

use serde::Serialize;
use sqlx::PgConnection;

/// The rows of one `COPY`, built column by column.
#[derive(Default)]
pub struct CopyRows {
    text: String,
    /// No column of the current row is written yet.
    row_started: bool,
    rows: usize,
}

impl CopyRows {
    pub fn new() -> Self {
        CopyRows::default()
    }

    /// Rows expected to take about `bytes` (a batch of MARC records is megabytes: growing
    /// the buffer by doubling copied it again and again).
    pub fn with_capacity(bytes: usize) -> Self {
        CopyRows { text: String::with_capacity(bytes), ..CopyRows::default() }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    fn separate(&mut self) {
        if self.row_started {
            self.text.push('\t');
        }
        self.row_started = true;
    }

    /// A text column; `None` is NULL.
    pub fn text(&mut self, value: Option<&str>) -> &mut Self {
        self.separate();
        match value {
            Some(value) => escape_into(&mut self.text, value),
            None => self.text.push_str("\\N"),
        }
        self
    }

    /// An integer column of any width; `None` is NULL.
    pub fn int(&mut self, value: Option<i64>) -> &mut Self {
        self.separate();
        match value {
            Some(value) => {
                use std::fmt::Write;
                let _ = write!(self.text, "{value}");
            }
            None => self.text.push_str("\\N"),
        }
        self
    }

    /// A `text[]` column: an array literal with every element quoted.
    pub fn text_array(&mut self, values: &[String]) -> &mut Self {
        self.separate();
        let mut literal = String::with_capacity(2 + values.iter().map(|v| v.len() + 3).sum::<usize>());
        literal.push('{');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                literal.push(',');
            }
            literal.push('"');
            for c in value.chars() {
                if c == '"' || c == '\\' {
                    literal.push('\\');
                }
                literal.push(c);
            }
            literal.push('"');
        }
        literal.push('}');
        escape_into(&mut self.text, &literal);
        self
    }

    /// A `json`/`jsonb` column.
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<&mut Self, serde_json::Error> {
        let json = serde_json::to_string(value)?;
        self.separate();
        escape_into(&mut self.text, &json);
        Ok(self)
    }

    /// Ends the current row.
    pub fn end_row(&mut self) {
        self.text.push('\n');
        self.row_started = false;
        self.rows += 1;
    }

    /// Sends the rows to `statement` (`COPY table (columns) FROM STDIN`); returns the number
    /// of rows the server wrote.
    pub async fn send(self, conn: &mut PgConnection, statement: &str) -> sqlx::Result<u64> {
        let mut copy = conn.copy_in_raw(statement).await?;
        if !self.text.is_empty()
            && let Err(err) = copy.send(self.text.into_bytes()).await
        {
            let _ = copy.abort("the rows could not be sent").await;
            return Err(err);
        }
        copy.finish().await
    }
}

/// Appends `value` with the four characters the text format gives a meaning escaped.
fn escape_into(out: &mut String, value: &str) {
    // Whether any byte needs escaping, over the whole text without stopping early (which
    // lets the compiler compare many bytes at once): most values need none.
    let special = value.bytes().fold(false, |any, b| any | matches!(b, b'\\' | b'\t' | b'\n' | b'\r'));
    if !special {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CopyRows;

    #[test]
    fn values_are_escaped_and_rows_end_in_newlines() {
        let mut rows = CopyRows::new();
        rows.int(Some(7)).text(Some("a\tb\nc\\d\re")).text(None).text_array(&[
            "x\"y".into(),
            "{,}".into(),
            "\\".into(),
        ]);
        rows.json(&serde_json::json!({"k": "line\nbreak"})).unwrap();
        rows.end_row();
        rows.int(None).text(Some("")).text_array(&[]);
        rows.end_row();
        assert_eq!(rows.rows(), 2);
        assert_eq!(
            rows.text,
            "7\ta\\tb\\nc\\\\d\\re\t\\N\t{\"x\\\\\"y\",\"{,}\",\"\\\\\\\\\"}\t{\"k\":\"line\\\\nbreak\"}\n\\N\t\t{}\n"
        );
    }
}
