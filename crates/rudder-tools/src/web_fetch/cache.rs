//! WebFetch's per-session page cache: a fetched page is reused for
//! [`TTL`] (15 minutes, as Claude Code caches; CLAUDE-CODE-INTERFACE.md
//! §2.2), so asking several questions about one page fetches it once.
//!
//! Bounded: at most [`MAX_PAGES`] pages (the oldest is evicted), each at
//! most the fetch size cap. Keys are the requested URL after the https
//! upgrade. Only successful pages are cached. In memory only; never
//! written to disk.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::fetch::Page;

/// How long a page stays fresh.
pub const TTL: Duration = Duration::from_secs(15 * 60);

/// Most pages kept.
pub const MAX_PAGES: usize = 32;

/// Pages fetched in this session.
#[derive(Debug, Default)]
pub struct WebCache {
    inner: Mutex<Pages>,
}

#[derive(Debug, Default)]
struct Pages {
    /// Page by URL, with when it was fetched and its insertion number.
    by_url: HashMap<String, (Instant, u64, Arc<Page>)>,
    next: u64,
}

impl WebCache {
    /// The page cached for `url` if it is fresh.
    pub fn get(&self, url: &str) -> Option<Arc<Page>> {
        let mut pages = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        pages
            .by_url
            .retain(|_, (fetched, _, _)| fetched.elapsed() < TTL);
        pages.by_url.get(url).map(|(_, _, page)| Arc::clone(page))
    }

    /// Caches `page` under `url`, evicting the oldest page when full.
    pub fn put(&self, url: &str, page: Arc<Page>) {
        let mut pages = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if pages.by_url.len() >= MAX_PAGES
            && !pages.by_url.contains_key(url)
            && let Some(oldest) = pages
                .by_url
                .iter()
                .min_by_key(|(_, (_, number, _))| *number)
                .map(|(key, _)| key.clone())
        {
            pages.by_url.remove(&oldest);
        }
        pages.next += 1;
        let number = pages.next;
        pages
            .by_url
            .insert(url.to_owned(), (Instant::now(), number, page));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> Arc<Page> {
        Arc::new(Page {
            url: "https://example.com/".to_owned(),
            status: 200,
            status_text: "OK".to_owned(),
            bytes: text.len(),
            text: text.to_owned(),
        })
    }

    #[test]
    fn the_cache_is_bounded_and_evicts_the_oldest_page() {
        let cache = WebCache::default();
        for index in 0..=MAX_PAGES {
            cache.put(&format!("https://example.com/{index}"), page("x"));
        }
        assert!(cache.get("https://example.com/0").is_none());
        assert!(
            cache
                .get(&format!("https://example.com/{MAX_PAGES}"))
                .is_some()
        );
    }
}
