//! Read's PDF view: the text of each page, extracted in-process with the
//! `pdf-extract` crate, in `<page number="N">` sections.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §2.2 (PDFs readable; 2.1 adds
//! `pages`, e.g. `"1-5"`, at most 20 pages per call). Without `pages` the
//! view starts at page 1 and stops at 20 pages or the output budget,
//! saying how to read on. Scanned PDFs without a text layer yield empty
//! pages. `pdf-extract` may panic on malformed files; the panic is caught
//! and reported as an unreadable PDF.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Largest PDF read, in bytes (32 MiB, the Messages API's PDF limit).
pub const MAX_PDF_BYTES: u64 = 32 * 1024 * 1024;

/// Most pages one call shows.
pub const MAX_PAGES_PER_CALL: usize = 20;

/// A 1-based, inclusive page range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRange {
    /// First page, from 1.
    pub first: usize,
    /// Last page, inclusive.
    pub last: usize,
}

/// Parses a `pages` value: `"3"` or `"2-7"`.
///
/// Errors: a message saying what form is expected, for an empty, reversed
/// or zero range or one over [`MAX_PAGES_PER_CALL`] pages.
pub fn parse_pages(spec: &str) -> Result<PageRange, String> {
    let bad = || {
        format!(
            "pages \"{spec}\" is not a page range; use a page number (\"3\") or a range (\"2-7\"), counting from 1"
        )
    };
    let number = |text: &str| text.trim().parse::<usize>().map_err(|_| bad());
    let (first, last) = match spec.split_once('-') {
        Some((first, last)) => (number(first)?, number(last)?),
        None => {
            let page = number(spec)?;
            (page, page)
        }
    };
    if first == 0 || last < first {
        return Err(bad());
    }
    if last - first + 1 > MAX_PAGES_PER_CALL {
        return Err(format!(
            "pages \"{spec}\" spans {} pages; ask for at most {MAX_PAGES_PER_CALL} per call",
            last - first + 1
        ));
    }
    Ok(PageRange { first, last })
}

/// The rendered pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfView {
    /// `<page number="N">` sections.
    pub text: String,
    /// Pages shown.
    pub shown: Option<PageRange>,
    /// Pages in the document.
    pub total_pages: usize,
    /// Whether any shown page had text.
    pub has_text: bool,
}

/// Extracts the text of `pages` (default: from page 1, up to
/// [`MAX_PAGES_PER_CALL`]) of the PDF in `bytes`, stopping at
/// `max_output_bytes` of text (at least one page is shown).
///
/// Errors: a message for an unreadable or encrypted PDF, or a range past
/// the document's end.
pub fn render(
    bytes: &[u8],
    pages: Option<PageRange>,
    max_output_bytes: usize,
) -> Result<PdfView, String> {
    let extracted = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem_by_pages(bytes)
    }));
    let page_texts = match extracted {
        Ok(Ok(texts)) => texts,
        Ok(Err(err)) => return Err(format!("its text could not be extracted ({err})")),
        Err(_) => {
            return Err("its text could not be extracted (the PDF parser failed on it)".into());
        }
    };
    let total_pages = page_texts.len();
    let wanted = pages.unwrap_or(PageRange {
        first: 1,
        last: total_pages.min(MAX_PAGES_PER_CALL),
    });
    if total_pages > 0 && wanted.first > total_pages {
        return Err(format!(
            "it has {total_pages} pages, so page {} does not exist",
            wanted.first
        ));
    }
    let mut text = String::new();
    let mut shown = None::<PageRange>;
    let mut has_text = false;
    for number in wanted.first..=wanted.last.min(total_pages) {
        let mut section = String::new();
        let body = page_texts[number - 1].trim_end();
        let _ = write!(section, "<page number=\"{number}\">\n{body}\n</page>\n");
        if shown.is_some() && text.len() + section.len() > max_output_bytes {
            break;
        }
        text.push_str(&section);
        has_text |= !body.trim().is_empty();
        shown = Some(PageRange {
            first: wanted.first,
            last: number,
        });
    }
    Ok(PdfView {
        text,
        shown,
        total_pages,
        has_text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_specs_parse_and_bad_ones_explain_themselves() {
        assert_eq!(parse_pages("3").unwrap(), PageRange { first: 3, last: 3 });
        assert_eq!(parse_pages("2-7").unwrap(), PageRange { first: 2, last: 7 });
        assert!(parse_pages("0").is_err());
        assert!(parse_pages("5-2").is_err());
        assert!(parse_pages("abc").unwrap_err().contains("page range"));
        assert!(parse_pages("1-21").unwrap_err().contains("at most 20"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(render(b"%PDF-1.4 garbage", None, 1000).is_err());
    }
}
