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
