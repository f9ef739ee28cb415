//! A token filter that rewrites each token's text with a plain function.
//!
//! Fold, stem and translit are all pure functions of the `TEXT` token, so one generic filter
//! serves them. Offsets and positions are left untouched (they point into the original text);
//! a token whose rewritten text is empty is dropped, never emitted as an empty term.

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Rewrites `input` into `output` (which arrives cleared).
pub type MapFn = fn(input: &str, output: &mut String);

#[derive(Clone, Copy)]
pub struct MapFilter {
    map: MapFn,
}

impl MapFilter {
    pub fn new(map: MapFn) -> Self {
        MapFilter { map }
    }
}

impl TokenFilter for MapFilter {
    type Tokenizer<T: Tokenizer> = MapFilterTokenizer<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> MapFilterTokenizer<T> {
        MapFilterTokenizer { inner, map: self.map }
    }
}

#[derive(Clone)]
pub struct MapFilterTokenizer<T> {
    inner: T,
    map: MapFn,
}

impl<T: Tokenizer> Tokenizer for MapFilterTokenizer<T> {
    type TokenStream<'a> = MapTokenStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MapTokenStream { tail: self.inner.token_stream(text), map: self.map, buffer: String::new() }
    }
}

pub struct MapTokenStream<S> {
    tail: S,
    map: MapFn,
    buffer: String,
}

impl<S: TokenStream> TokenStream for MapTokenStream<S> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            self.buffer.clear();
            (self.map)(&self.tail.token().text, &mut self.buffer);
            if !self.buffer.is_empty() {
                std::mem::swap(&mut self.tail.token_mut().text, &mut self.buffer);
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The input text of a token's second form, if it has one (see [`MapFilter::with_alternate`]).
pub type AlternateFn = fn(input: &str) -> Option<String>;

impl MapFilter {
    /// Also emits, at the same position, the mapped text of the token's alternate form, for
    /// the index only: queries are analysed with [`super::analyze`], which keeps the first
    /// token of each position.
    pub fn with_alternate(map: MapFn, alternate: AlternateFn) -> AlternateFilter {
        AlternateFilter { map, alternate }
    }
}

#[derive(Clone, Copy)]
pub struct AlternateFilter {
    map: MapFn,
    alternate: AlternateFn,
}

impl TokenFilter for AlternateFilter {
    type Tokenizer<T: Tokenizer> = AlternateFilterTokenizer<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> AlternateFilterTokenizer<T> {
        AlternateFilterTokenizer { inner, filter: self }
    }
}

#[derive(Clone)]
pub struct AlternateFilterTokenizer<T> {
    inner: T,
    filter: AlternateFilter,
}

impl<T: Tokenizer> Tokenizer for AlternateFilterTokenizer<T> {
    type TokenStream<'a> = AlternateTokenStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        AlternateTokenStream {
            tail: self.inner.token_stream(text),
            filter: self.filter,
            current: Token::default(),
            pending: None,
        }
    }
}

pub struct AlternateTokenStream<S> {
    tail: S,
    filter: AlternateFilter,
    current: Token,
    /// The alternate form of the token just emitted, emitted next.
    pending: Option<Token>,
}

impl<S: TokenStream> TokenStream for AlternateTokenStream<S> {
    fn advance(&mut self) -> bool {
        if let Some(alternate) = self.pending.take() {
            self.current = alternate;
            return true;
        }
        while self.tail.advance() {
            let source = self.tail.token();
            let mut mapped = String::new();
            (self.filter.map)(&source.text, &mut mapped);
            if mapped.is_empty() {
                continue;
            }
            // The source's place, without a copy of its text.
            let at = |text: String| Token {
                offset_from: source.offset_from,
                offset_to: source.offset_to,
                position: source.position,
                position_length: source.position_length,
                text,
            };
            if let Some(other) = (self.filter.alternate)(&source.text) {
                let mut alternate = String::new();
                (self.filter.map)(&other, &mut alternate);
                if !alternate.is_empty() && alternate != mapped {
                    self.pending = Some(at(alternate));
                }
            }
            self.current = at(mapped);
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}
