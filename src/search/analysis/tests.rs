//! Tests for the hamkor analyzers: every documented equivalence, the CJK bigrams, offsets and
//! positions, panic-freedom on odd input, and an end-to-end check through a real tantivy index.

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer, TokenizerManager};
use tantivy::{Index, IndexWriter, TantivyDocument, doc};

use super::*;

fn manager() -> TokenizerManager {
    let manager = TokenizerManager::new();
    register(&manager);
    manager
}

fn t(analyzer: &str, text: &str) -> Vec<String> {
    tokens(&manager(), analyzer, text)
}

#[track_caller]
fn assert_same(analyzer: &str, a: &str, b: &str) {
    let (ta, tb) = (t(analyzer, a), t(analyzer, b));
    assert!(!ta.is_empty(), "{analyzer}: {a:?} gave no tokens");
    assert_eq!(ta, tb, "{analyzer}: {a:?} vs {b:?}");
}

#[track_caller]
fn assert_differ(analyzer: &str, a: &str, b: &str) {
    assert_ne!(t(analyzer, a), t(analyzer, b), "{analyzer}: {a:?} vs {b:?} must stay apart");
}

// ---------------------------------------------------------------------------------------------
// TEXT

#[test]
fn register_makes_every_analyzer_available() {
    let manager = manager();
    for name in ALL {
        assert!(manager.get(name).is_some(), "{name} not registered");
    }
    assert!(tokens(&manager, "no_such_analyzer", "text").is_empty());
}

#[test]
fn text_basic_words_are_lowercased_uax29_words() {
    assert_eq!(t(TEXT, "Kürk Mantolu Madonna, 1943."), ["kürk", "mantolu", "madonna", "1943"]);
    assert_eq!(t(TEXT, "Война и мир"), ["война", "и", "мир"]);
}

#[test]
fn text_uzbek_apostrophe_variants_give_the_same_token() {
    let expected = vec!["o\u{02BB}zbekiston".to_string()];
    for spelling in ["O‘zbekiston", "O'zbekiston", "Oʻzbekiston", "O’zbekiston", "Oʼzbekiston", "O`zbekiston"] {
        assert_eq!(t(TEXT, spelling), expected, "{spelling}");
    }
    assert_same(TEXT, "she’r", "she'r");
    assert_same(TEXT, "Qo‘qon", "Qo`qon");
    assert_same(TEXT, "g‘azal", "gʻazal");
}

#[test]
fn text_leading_and_trailing_quotes_are_not_part_of_words() {
    assert_eq!(t(TEXT, "‘kitob’"), ["kitob"]);
    assert_eq!(t(TEXT, "'kitob'"), ["kitob"]);
    assert_eq!(t(TEXT, "`kitob`"), ["kitob"]);
    assert_eq!(t(TEXT, "«O‘zbekiston» ‘tarixi’"), ["oʻzbekiston", "tarixi"]);
    // A word-final g‘ loses its apostrophe (it cannot be told from a closing quote); the query
    // side does the same, so "tog‘" still finds "tog‘".
    assert_same(TEXT, "tog‘", "togʻ");
    assert_same(TEXT, "tog‘", "tog");
}

#[test]
fn text_turkish_capital_dotted_i_lowercases_without_a_stray_dot() {
    assert_eq!(t(TEXT, "İstanbul"), ["istanbul"]);
    assert_eq!(t(TEXT, "I\u{0307}stanbul"), ["istanbul"]); // decomposed İ
    assert_eq!(t(TEXT, "ISTANBUL"), ["istanbul"]);
    // TEXT keeps dotless ı; FOLDED unifies it (below).
    assert_eq!(t(TEXT, "ıstanbul"), ["ıstanbul"]);
}

#[test]
fn text_normalises_unicode_forms_and_invisible_characters() {
    assert_same(TEXT, "Ku\u{0308}rk", "Kürk"); // decomposed vs composed
    assert_same(TEXT, "ＫＩＴＯＢ", "kitob"); // fullwidth
    assert_same(TEXT, "می‌خواهم", "میخواهم"); // Persian ZWNJ
    assert_same(TEXT, "biblio\u{00AD}teka", "biblioteka"); // soft hyphen
}

#[test]
fn text_cjk_bigrams() {
    assert_eq!(t(TEXT, "中国国家图书馆"), ["中国", "国国", "国家", "家图", "图书", "书馆"]);
    assert_eq!(t(TEXT, "국립중앙도서관"), ["국립", "립중", "중앙", "앙도", "도서", "서관"]);
    // Han characters are indexed in their simplified form, Japanese kanji included.
    assert_eq!(t(TEXT, "源氏物語"), ["源氏", "氏物", "物语"]);
    // a lone character is a unigram
    assert_eq!(t(TEXT, "书"), ["书"]);
    // Korean spacing varies: a Hangul run continues across spaces, and its bigrams do not
    // carry them, so spaced and unspaced titles give the same tokens.
    assert_eq!(t(TEXT, "국립 중앙 도서관"), ["국립", "립중", "중앙", "앙도", "도서", "서관"]);
    assert_same(TEXT, "국립 중앙 도서관", "국립중앙도서관");
    // ... but not across punctuation or other scripts.
    assert_eq!(t(TEXT, "국립, 중앙"), ["국립", "중앙"]);
}

#[test]
fn traditional_and_simplified_chinese_find_each_other() {
    for analyzer in [TEXT, FOLDED, STEMMED, TRANSLIT] {
        assert_same(analyzer, "紅樓夢", "红楼梦");
        assert_same(analyzer, "圖書館", "图书馆");
        assert_same(analyzer, "書", "书");
    }
    // Offsets still point into the text as written.
    let tokens = analyze(&manager(), TEXT, "紅樓夢");
    assert_eq!((tokens[0].offset_from, tokens[1].offset_to), (0, "紅樓夢".len()));
    // kana and kanji in one run, punctuation ends a run
    assert_eq!(t(TEXT, "源氏物語を読む。本"), ["源氏", "氏物", "物语", "语を", "を読", "読む", "本"]);
    // CJK next to other scripts
    assert_eq!(t(TEXT, "Hello 世界 world"), ["hello", "世界", "world"]);
    assert_eq!(t(TEXT, "한국어abc"), ["한국", "국어", "abc"]);
    // halfwidth katakana are normalised to the ordinary ones
    assert_same(TEXT, "ｶﾀｶﾅ", "カタカナ");
}

#[test]
fn offsets_point_into_the_original_text() {
    let manager = manager();
    let cases: &[(&str, &[&str])] = &[
        ("«O‘zbekiston» tarixi", &["O‘zbekiston", "tarixi"]),
        ("‘kitob’ va she’r", &["kitob", "va", "she’r"]),
        ("İSTANBUL'da Kürk", &["İSTANBUL'da", "Kürk"]),
        ("中国国家图书馆", &["中国", "国国", "国家", "家图", "图书", "书馆"]),
        ("Voskresenīi͡a, 1900", &["Voskresenīi͡a", "1900"]),
        ("Навоий ғазаллари", &["Навоий", "ғазаллари"]),
    ];
    for &(text, expected) in cases {
        for analyzer in ALL {
            let slices: Vec<&str> = analyze(&manager, analyzer, text)
                .iter()
                .map(|token| text.get(token.offset_from..token.offset_to).unwrap_or("<not a char boundary>"))
                .collect();
            assert_eq!(slices, expected, "{analyzer}: {text:?}");
        }
    }
}

#[test]
fn positions_are_consecutive() {
    let manager = manager();
    for analyzer in ALL {
        let positions: Vec<usize> =
            analyze(&manager, analyzer, "Война и мир — 中国国家 O‘zbekiston").iter().map(|t| t.position).collect();
        assert_eq!(positions, (0..positions.len()).collect::<Vec<_>>(), "{analyzer}");
        assert_eq!(positions.len(), 7, "{analyzer}"); // война и мир 中国 国国 国家 oʻzbekiston
    }
}

// ---------------------------------------------------------------------------------------------
// FOLDED

#[test]
fn folded_turkish_i_variants_are_equal() {
    let expected = t(FOLDED, "istanbul");
    assert_eq!(expected, ["istanbul"]);
    for spelling in ["İstanbul", "ISTANBUL", "ıstanbul", "İSTANBUL", "Istanbul"] {
        assert_eq!(t(FOLDED, spelling), expected, "{spelling}");
    }
}

#[test]
fn folded_diacritics() {
    assert_eq!(t(FOLDED, "Łódź"), ["lodz"]);
    assert_eq!(t(FOLDED, "Kütüphane"), ["kutuphane"]);
    assert_eq!(t(FOLDED, "Straße Øresund Æsop œuvre đak"), ["strasse", "oresund", "aesop", "oeuvre", "dak"]);
    assert_eq!(t(FOLDED, "Äuezov"), ["auezov"]);
    assert_eq!(t(FOLDED, "Ἀθῆναι"), ["αθηναι"]);
    assert_same(FOLDED, "ΟΔΥΣΣΕΥΣ", "οδυσσευς");
}

#[test]
fn folded_apostrophes_dropped_so_plain_ascii_queries_match() {
    assert_same(FOLDED, "O‘zbekiston", "Ozbekiston");
    assert_same(FOLDED, "O'zbekiston", "ozbekiston");
    assert_same(FOLDED, "Gogolʹ", "Gogol");
}

#[test]
fn folded_cyrillic_keeps_short_i_but_folds_yo_stress_and_non_russian_letters() {
    assert_same(FOLDED, "Ёлка", "елка");
    assert_same(FOLDED, "библиоте́ка", "библиотека"); // stress mark
    assert_eq!(t(FOLDED, "Навоий"), ["навоий"]);
    assert_differ(FOLDED, "мой", "мои");
    assert_differ(FOLDED, "бой", "бои");
    // letters missing from a Russian keyboard fold to the nearest Russian one
    assert_same(FOLDED, "Қўқон", "Кукон");
    assert_same(FOLDED, "Қазақстан ұлттық кітапхана", "Казакстан улттык китапхана");
    assert_same(FOLDED, "Ҳикоя", "хикоя");
}

#[test]
fn folded_arabic_script_normalisation() {
    assert_same(FOLDED, "كتاب", "کتاب"); // kaf / keheh
    assert_same(FOLDED, "علي", "علی"); // yeh / Farsi yeh
    assert_same(FOLDED, "مُحَمَّد", "محمد"); // harakat
    assert_same(FOLDED, "كـتـاب", "كتاب"); // tatweel
    assert_same(FOLDED, "۱۹۹۱", "1991");
}

#[test]
fn folded_leaves_cjk_hangul_indic_georgian_alone() {
    for text in ["中国国家图书馆", "국립중앙도서관", "पुस्तकालय", "ბიბლიოთეკა"]
    {
        assert_eq!(t(FOLDED, text), t(TEXT, text), "{text}");
    }
}

/// Where the searcher reads a CJK query only as written and folded: the other two analyses
/// must give exactly the folded tokens for such text.
#[test]
fn stemmed_and_translit_leave_cjk_as_folded() {
    for text in ["中国国家图书馆", "紅樓夢", "源氏物語", "としょかん", "トショカン", "국립중앙도서관", "书"]
    {
        let folded = t(FOLDED, text);
        assert!(super::only_cjk(&folded), "{text}");
        assert_eq!(t(STEMMED, text), folded, "{text}");
        assert_eq!(t(TRANSLIT, text), folded, "{text}");
    }
    for text in ["红楼梦 Dream", "Москва 图书馆", "", "1991年"] {
        assert!(!super::only_cjk(&t(FOLDED, text)), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// STEMMED

#[test]
fn stemmed_inflections_match() {
    assert_same(STEMMED, "libraries", "library");
    assert_same(STEMMED, "библиотеки", "библиотека");
    assert_same(STEMMED, "Библиотекой", "библиотеке");
    assert_same(STEMMED, "kütüphaneler", "kütüphane");
    assert_same(STEMMED, "kitaplar", "kitap");
    assert_same(STEMMED, "İstanbul'da", "istanbul");
    assert_same(STEMMED, "kitoblar", "kitob"); // Uzbek shares the -lar plural
    assert_same(STEMMED, "Kutuphaneler", "Kütüphane"); // and it is folded
}

/// A stem is a function of the folded word, whatever the characters around it (a combining
/// mark before Latin letters is folded away, and the stem follows the letters left): words
/// folded alike are stemmed alike, so a document holding a word folded holds it stemmed too,
/// which phrases and the choice of posting lists to read rely on.
#[test]
fn words_folded_alike_are_stemmed_alike() {
    let mut stem_of_fold: std::collections::HashMap<String, (String, String)> = Default::default();
    let mut stem = String::new();
    // The characters that folding changes or removes, around a word that stems.
    let words = (0..0x3_0000)
        .filter_map(char::from_u32)
        .filter(|c| fold::fold(&c.to_string()) != c.to_string())
        .flat_map(|c| [format!("{c}kitoblar"), format!("kitob{c}lar")]);
    for word in std::iter::once("kitoblar".to_owned()).chain(words) {
        stem::stem_into(&word, &mut stem);
        let (first, first_stem) =
            stem_of_fold.entry(fold::fold(&word)).or_insert_with(|| (word.clone(), stem.clone())).clone();
        assert_eq!(stem, first_stem, "{word:?} and {first:?} fold alike");
    }
}

#[test]
fn stemmed_never_overstems_long_words() {
    let words = "libraries library international cooperation organisation universities \
                 manuscripts dollar garden golden collection editions исследования библиотеки \
                 национальная международного сотрудничества kütüphaneler kitaplarımızdan \
                 oʻzbekiston ғазаллари madonna mantolu istanbul'dakiler ideal idea aaaaaa";
    let manager = manager();
    for word in words.split_whitespace() {
        let folded_len = tokens(&manager, FOLDED, word).concat().chars().count();
        for stem in tokens(&manager, STEMMED, word) {
            assert!(folded_len < 5 || stem.chars().count() >= 3, "{word} → {stem}");
        }
    }
}

#[test]
fn stemmed_other_scripts_are_folded_only() {
    assert_eq!(t(STEMMED, "中国国家图书馆"), t(TEXT, "中国国家图书馆"));
    assert_eq!(t(STEMMED, "كـتاب"), t(FOLDED, "كـتاب"));
}

/// Why STEMMED emits one token per word instead of an extra Turkish stem at the same position:
/// tantivy's QueryParser turns several tokens from one query word into a phrase, which needs
/// all of them at one position in the document.
#[test]
fn stemmed_same_position_alternatives_would_break_query_parser() {
    #[derive(Clone)]
    struct Alternatives;
    struct Stream(std::vec::IntoIter<Token>, Token);
    impl TokenStream for Stream {
        fn advance(&mut self) -> bool {
            self.0.next().map(|token| self.1 = token).is_some()
        }
        fn token(&self) -> &Token {
            &self.1
        }
        fn token_mut(&mut self) -> &mut Token {
            &mut self.1
        }
    }
    impl Tokenizer for Alternatives {
        type TokenStream<'a> = Stream;
        fn token_stream<'a>(&'a mut self, text: &'a str) -> Stream {
            // English stem, plus the Turkish stem at the same position when it differs.
            let mut out = Vec::new();
            for token in words::split(text) {
                for language in [tantivy::tokenizer::Language::English, tantivy::tokenizer::Language::Turkish] {
                    let mut stemmer =
                        tantivy::tokenizer::TextAnalyzer::builder(tantivy::tokenizer::RawTokenizer::default())
                            .filter(tantivy::tokenizer::Stemmer::new(language))
                            .build();
                    let mut stream = stemmer.token_stream(&token.text);
                    if stream.advance() && out.last().is_none_or(|t: &Token| t.text != stream.token().text) {
                        out.push(Token { text: stream.token().text.clone(), ..token.clone() });
                    }
                }
            }
            Stream(out.into_iter(), Token::default())
        }
    }
    let (alternatives_found, ours_found) = {
        let mut results = Vec::new();
        for analyzer in ["alternatives", STEMMED] {
            let mut schema = Schema::builder();
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            );
            let field = schema.add_text_field("title", options);
            let index = Index::create_in_ram(schema.build());
            register(index.tokenizers());
            index.tokenizers().register("alternatives", Alternatives);
            let hits = search_one(&index, field, "kütüphaneler", "kütüphane");
            results.push(hits);
        }
        (results[0], results[1])
    };
    assert_eq!(alternatives_found, 0, "same-position alternatives unexpectedly matched");
    assert_eq!(ours_found, 1);
}

/// Indexes one document and counts the hits of `query` (through QueryParser) on `field`.
fn search_one(index: &Index, field: tantivy::schema::Field, document: &str, query: &str) -> usize {
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
    writer.add_document(doc!(field => document)).expect("add");
    writer.commit().expect("commit");
    let searcher = index.reader().expect("reader").searcher();
    let query = QueryParser::for_index(index, vec![field]).parse_query(query).expect("query");
    searcher.search(&query, &TopDocs::with_limit(10).order_by_score()).expect("search").len()
}

// ---------------------------------------------------------------------------------------------
// TRANSLIT

#[test]
fn translit_uzbek_cyrillic_latin_pairs() {
    for (cyrillic, latin) in [
        ("Навоий", "Navoiy"),
        ("Ўзбекистон", "O‘zbekiston"),
        ("Ўзбекистон", "O'zbekiston"),
        ("Ўзбекистон", "Ozbekiston"),
        ("ғазал", "g‘azal"),
        ("Тошкент", "Toshkent"),
        ("шеър", "she’r"),
        ("Қўқон", "Qo‘qon"),
        ("ҳикоя", "hikoya"),
        ("чечак", "chechak"),
        ("Хамса", "Xamsa"),
        ("Навоий ғазаллари", "Navoiy g‘azallari"),
        ("Европа", "Yevropa"),
        ("Исҳоқ", "Is’hoq"),
        ("журнал", "jurnal"), // Uzbek j is ж
        ("маънавият", "ma’naviyat"),
    ] {
        assert_same(TRANSLIT, cyrillic, latin);
    }
}

#[test]
fn translit_russian_romanizations() {
    for (cyrillic, latin) in [
        ("Воскресения", "Voskresenīi͡a"),
        ("Воскресения", "Voskreseniya"),
        ("Толстой", "Tolstoĭ"),
        ("Толстой", "Tolstoy"),
        ("Толстой", "Tolstoi"),
        ("Толстой", "Tolstoj"),
        ("Чехов", "Chekhov"),
        ("Щедрин", "Shchedrin"),
        ("Щедрин", "Ščedrin"),
        ("Жуковский", "Zhukovskiĭ"),
        ("Жуковский", "Zhukovsky"),
        ("Юрий", "I͡Uriĭ"),
        ("Юрий", "Yuri"),
        ("Юрий", "Yury"),
        ("Война и мир", "Voĭna i mir"),
        ("Война и мир", "Voina i mir"),
        ("Достоевский", "Dostoyevsky"),
        ("Достоевский", "Dostoevskiĭ"),
        ("Гоголь", "Gogolʹ"),
        ("Фёдор", "Fëdor"),
        ("Фёдор", "Fyodor"),
        ("Пугачёв", "Pugachyov"),
        ("Цветаева", "T͡Svetaeva"),
        ("Цветаева", "Tsvetaeva"),
    ] {
        assert_same(TRANSLIT, cyrillic, latin);
    }
}

#[test]
fn translit_kazakh_pairs() {
    for (cyrillic, latin) in [
        ("Абай", "Abai"),
        ("Абай", "Abay"),
        ("Қазақстан", "Qazaqstan"),
        ("Әуезов", "Äuezov"),
        ("Әуезов", "Auezov"),
        ("ұлттық", "ūlttyq"),
        ("ұлттық", "ulttyq"),
        ("кітапхана", "kıtaphana"),
        ("кітапхана", "kitaphana"),
        ("шеше", "şeşe"),
    ] {
        assert_same(TRANSLIT, cyrillic, latin);
    }
}

#[test]
fn translit_does_not_conflate_too_much() {
    assert_differ(TRANSLIT, "mir", "mor");
    assert_differ(TRANSLIT, "мир", "мор");
    assert_differ(TRANSLIT, "kitob", "kitab");
    assert_differ(TRANSLIT, "Toshkent", "Tashkent");
    assert_differ(TRANSLIT, "Тошкент", "Ташкент");
    assert_differ(TRANSLIT, "qo‘l", "ko‘l"); // hand / lake
    assert_differ(TRANSLIT, "Qazaqstan", "Kazakhstan"); // official Latin vs English exonym
    assert_differ(TRANSLIT, "Chekhov", "Shekhov");
    assert_differ(TRANSLIT, "sab", "zab");
    assert_differ(TRANSLIT, "1000", "10");
}

#[test]
fn translit_passes_other_scripts_through_as_folded() {
    for text in ["中国国家图书馆", "국립중앙도서관", "源氏物語", "ბიბლიოთეკა", "کتاب", "Ἀθῆναι"]
    {
        assert_eq!(t(TRANSLIT, text), t(FOLDED, text), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Robustness

/// xorshift64*: deterministic pseudo-random input without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn no_panics_on_odd_input() {
    let mut inputs: Vec<String> = [
        "",
        " ",
        "\0\u{1}\u{7}\t\n\r\u{7F}\u{85}",
        "\u{0301}\u{0308}\u{0361}",
        "\u{0301}abc \u{0308}",
        "a\u{0361}",
        "‘’'`ʻʼ",
        "'a'",
        "ʻʻʻ",
        "ـــ",
        "👍🏽 👨‍👩‍👧 🇺🇿 test😀emoji",
        "مرحبا بالعالم שלום עולם",
        "\u{202E}abc\u{202C} \u{200F}",
        "\u{FEFF}\u{200B}\u{200C}\u{200D}",
        "\u{E000}\u{F8FF}\u{10FFFF}",
        "ｶﾞ か\u{3099} 々〆〇 ー",
        "İ̇i̇ ı I",
        "ǅ ǈ ﬁ ﬀ ẞ",
        "\u{1F600}\u{0301}",
        "Ǆ̈",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    inputs.push("a".repeat(10_000));
    inputs.push("中".repeat(4_000));
    inputs.push("Навоий ғазаллари O‘zbekiston tarixi 中国国家图书馆 ".repeat(250));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let pools: &[&[char]] = &[
        &['a', 'İ', 'ı', '\'', '‘', 'ʻ', ' ', '\u{0301}', '\u{0361}', 'ё', 'й', 'ў', 'қ', 'ş', 'ç'],
        &['中', '国', 'カ', 'ﾞ', '\u{3099}', '한', 'ᄀ', '。', ' ', '\u{FE0F}'],
        &['ك', 'ی', 'ـ', '\u{064E}', '\u{200C}', '\u{0660}', 'א', '\u{05B8}'],
    ];
    for _ in 0..60 {
        let len = (rng.next() % 400) as usize;
        let text: String = (0..len)
            .map(|_| {
                let roll = rng.next();
                if roll.is_multiple_of(3) {
                    char::from_u32((roll >> 8) as u32 % 0x11_0000).unwrap_or('?')
                } else {
                    let pool = pools[(roll >> 8) as usize % pools.len()];
                    pool[(roll >> 16) as usize % pool.len()]
                }
            })
            .collect();
        inputs.push(text);
    }
    let manager = manager();
    for text in &inputs {
        for analyzer in ALL {
            let mut last_position = None;
            for token in analyze(&manager, analyzer, text) {
                assert!(!token.text.is_empty(), "{analyzer}: empty token for {text:?}");
                assert!(token.text.len() < MAX_TOKEN_BYTES + 32, "{analyzer}: huge token");
                assert!(text.get(token.offset_from..token.offset_to).is_some_and(|s| !s.is_empty()));
                assert!(last_position.is_none_or(|last| token.position > last));
                last_position = Some(token.position);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// End to end: a RAM index with the four fields, queried through tantivy's QueryParser.

#[test]
fn end_to_end_cross_script_and_folded_queries() {
    let mut schema = Schema::builder();
    let title = schema.add_text_field("title", STORED);
    let mut field = |name: &str, analyzer: &str| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        schema.add_text_field(name, TextOptions::default().set_indexing_options(indexing))
    };
    let text = field("text", TEXT);
    let folded = field("folded", FOLDED);
    let stemmed = field("stemmed", STEMMED);
    let translit = field("translit", TRANSLIT);
    let index = Index::create_in_ram(schema.build());
    register(index.tokenizers());

    let titles = [
        "Навоий ғазаллари",
        "Voskresenīi͡a",
        "O‘zbekiston tarixi",
        "中国国家图书馆",
        "Kürk Mantolu Madonna",
        "Национальная библиотека",
        "Libraries of Central Asia",
        "Türkiye'deki kütüphaneler",
    ];
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
    for value in titles {
        writer
            .add_document(doc!(title => value, text => value, folded => value, stemmed => value, translit => value))
            .expect("add");
    }
    writer.commit().expect("commit");
    let searcher = index.reader().expect("reader").searcher();

    let search = |field: tantivy::schema::Field, query: &str| -> Vec<String> {
        let query = QueryParser::for_index(&index, vec![field]).parse_query(query).expect("parse");
        let hits = searcher.search(&query, &TopDocs::with_limit(10).order_by_score()).expect("search");
        hits.into_iter()
            .filter_map(|(_, address)| searcher.doc::<TantivyDocument>(address).ok())
            .filter_map(|doc| doc.get_first(title).and_then(|v| v.as_str().map(str::to_string)))
            .collect()
    };

    for (field, query, expected) in [
        (translit, "Navoiy", "Навоий ғазаллари"),
        (translit, "Navoiy g‘azallari", "Навоий ғазаллари"),
        (translit, "Воскресения", "Voskresenīi͡a"),
        (translit, "Voskreseniya", "Voskresenīi͡a"),
        (translit, "Ozbekiston", "O‘zbekiston tarixi"),
        (translit, "Ўзбекистон", "O‘zbekiston tarixi"),
        (translit, "Ўзбекистон тарихи", "O‘zbekiston tarixi"),
        (folded, "Ozbekiston", "O‘zbekiston tarixi"),
        // tantivy's query grammar treats ' as a quote: user input goes inside "..." (or escaped)
        (folded, "\"o'zbekiston\"", "O‘zbekiston tarixi"),
        (text, "O\\`zbekiston", "O‘zbekiston tarixi"), // or escaped with a backslash
        (text, "O‘zbekiston", "O‘zbekiston tarixi"),
        (text, "国家图书", "中国国家图书馆"),
        (text, "图书馆", "中国国家图书馆"),
        (translit, "国家图书", "中国国家图书馆"),
        (folded, "kurk", "Kürk Mantolu Madonna"),
        (folded, "\"kurk mantolu\"", "Kürk Mantolu Madonna"),
        (stemmed, "madonnas", "Kürk Mantolu Madonna"),
        (stemmed, "библиотеки", "Национальная библиотека"),
        (stemmed, "library", "Libraries of Central Asia"),
        (stemmed, "kutuphane", "Türkiye'deki kütüphaneler"),
        (translit, "Natsionalnaya", "Национальная библиотека"),
    ] {
        assert_eq!(search(field, query), [expected], "query {query:?}");
    }
    // Negative checks: exact field needs the diacritic, the phrase order matters, CJK bigram
    // phrases don't match out of order.
    assert!(search(text, "kurk").is_empty());
    assert!(search(folded, "\"mantolu kurk\"").is_empty());
    assert!(search(text, "图书国家").is_empty());
    assert!(search(translit, "Tashkent").is_empty());
}

#[test]
fn a_word_with_yo_is_indexed_also_as_written_with_e() {
    // The index holds both forms at the word's position ...
    let manager = manager();
    let mut analyzer = manager.get(TRANSLIT).expect("registered");
    let mut indexed: Vec<(String, usize)> = Vec::new();
    analyzer.token_stream("Фёдор Пугачёв").process(&mut |t| indexed.push((t.text.clone(), t.position)));
    let fedor = t(TRANSLIT, "Fedor")[0].clone();
    let pugachev = t(TRANSLIT, "Pugachev")[0].clone();
    assert!(indexed.contains(&(fedor, 0)) && indexed.contains(&(pugachev, 1)), "{indexed:?}");
    assert!(indexed.contains(&(t(TRANSLIT, "Fyodor")[0].clone(), 0)), "{indexed:?}");
    // ... while a query word analyses to one token per position.
    assert_eq!(t(TRANSLIT, "Фёдор Пугачёв").len(), 2);
}
