//! Large MARC files written at test time with hamkor's own ISO 2709 writer, for the tests
//! that need volume (an import long enough to kill a server in the middle of it): books,
//! scores and recordings in English, French, German, Turkish, Russian, Uzbek (with its
//! Cyrillic title in an 880) and Chinese (with Han 880s), about a kilobyte each like real
//! catalogue records. Every record is valid and has its own control number and ISBN, so an
//! import creates one document per record.

use std::path::{Path, PathBuf};

use hamkor::marc::{Field, Leader, Record, Subfield, to_iso2709};

/// Writes `count` records to `dir/name` and returns the path. Files written with different
/// `series` (0-9) share no control number or ISBN.
pub fn write_catalogue(dir: &Path, name: &str, count: usize, series: u8) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, catalogue(count, series)).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// `count` records as one UTF-8 ISO 2709 file.
pub fn catalogue(count: usize, series: u8) -> Vec<u8> {
    assert!(series < 10 && count <= 100_000, "the ISBNs have room for series 0-9 of up to 100,000 records");
    let mut random = Random(0x2545_F491_4F6C_DD1D ^ u64::from(series));
    let mut out = Vec::with_capacity(count * 1100);
    for i in 0..count {
        let record = record(&mut random, series, i);
        out.extend(to_iso2709(&record).unwrap_or_else(|e| panic!("record {i} of the catalogue: {e}")));
    }
    out
}

/// xorshift64: the same catalogue on every run.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// How one language's records are written. Title words come in pairs: the word as in the
/// 245 and, for languages catalogued in two scripts, as in the 880 (empty otherwise).
struct Language {
    code: &'static str,
    country: &'static str,
    /// `$6` script code of the 880s, for languages with an alternate-script title.
    script: Option<&'static str>,
    words: &'static [(&'static str, &'static str)],
    places: &'static [&'static str],
    publishers: &'static [&'static str],
    names: &'static [&'static str],
    subjects: &'static [&'static str],
}

const LANGUAGES: &[Language] = &[
    Language {
        code: "eng",
        country: "enk",
        script: None,
        words: &[
            ("Caravan", ""),
            ("cities", ""),
            ("of the", ""),
            ("Silk Road", ""),
            ("manuscripts", ""),
            ("and", ""),
            ("libraries", ""),
            ("Timurid", ""),
            ("architecture", ""),
            ("bookbinding", ""),
            ("in Central Asia", ""),
        ],
        places: &["London", "Oxford", "Cambridge", "New York"],
        publishers: &["Meridian Press", "Harbour Books", "Lantern University Press"],
        names: &["Whitfield, Amelia", "Okafor, Daniel", "Lindqvist, Maria", "Hughes, Peter"],
        subjects: &["Manuscripts, Central Asian", "Libraries -- History", "Silk Road -- Description and travel"],
    },
    Language {
        code: "fre",
        country: "fr ",
        script: None,
        words: &[
            ("Les", ""),
            ("manuscrits", ""),
            ("de Boukhara", ""),
            ("et", ""),
            ("la route", ""),
            ("de la soie", ""),
            ("histoire", ""),
            ("des bibliothèques", ""),
            ("d'Orient", ""),
        ],
        places: &["Paris", "Lyon", "Strasbourg"],
        publishers: &["Éditions du Levant", "Presses de l'Orient", "Maisonneuve"],
        names: &["Lefèvre, Hélène", "Durand, Michel", "Benoît, Claire"],
        subjects: &["Manuscrits orientaux", "Bibliothèques -- Histoire", "Asie centrale -- Civilisation"],
    },
    Language {
        code: "ger",
        country: "gw ",
        script: None,
        words: &[
            ("Die", ""),
            ("Handschriften", ""),
            ("Samarkands", ""),
            ("und", ""),
            ("Bibliotheken", ""),
            ("der Seidenstraße", ""),
            ("Geschichte", ""),
            ("Buchkunst", ""),
        ],
        places: &["Berlin", "München", "Leipzig"],
        publishers: &["Orientverlag", "Buchhaus Weber"],
        names: &["Müller, Jürgen", "Schäfer, Anna", "Groß, Tobias"],
        subjects: &["Handschrift", "Bibliothek -- Geschichte"],
    },
    Language {
        code: "tur",
        country: "tu ",
        script: None,
        words: &[
            ("Orta Asya", ""),
            ("kütüphaneleri", ""),
            ("ve", ""),
            ("el yazmaları", ""),
            ("İpek Yolu", ""),
            ("şehirleri", ""),
            ("tarihi", ""),
        ],
        places: &["İstanbul", "Ankara"],
        publishers: &["Kitap Yayınevi", "Doğu Yayınları"],
        names: &["Yılmaz, Ayşe", "Çelik, Mehmet", "Öztürk, Gül"],
        subjects: &["El yazmaları", "Kütüphaneler -- Tarih"],
    },
    Language {
        code: "rus",
        country: "ru ",
        script: None,
        words: &[
            ("История", ""),
            ("библиотек", ""),
            ("Средней Азии", ""),
            ("рукописи", ""),
            ("и", ""),
            ("книги", ""),
            ("Шелкового пути", ""),
            ("Бухары", ""),
        ],
        places: &["Москва", "Санкт-Петербург", "Ташкент"],
        publishers: &["Наука", "Восточная литература", "Фан"],
        names: &["Смирнова, Ольга Петровна", "Каримов, Рустам Алиевич", "Ли, Виктория"],
        subjects: &["Рукописи -- Средняя Азия", "Библиотеки -- История", "Книгопечатание"],
    },
    Language {
        code: "uzb",
        country: "uz ",
        script: Some("(N"),
        words: &[
            ("Samarqand", "Самарқанд"),
            ("Buxoro", "Бухоро"),
            ("kutubxonalari", "кутубхоналари"),
            ("qoʻlyozmalar", "қўлёзмалар"),
            ("tarixi", "тарихи"),
            ("xalq", "халқ"),
            ("kitoblari", "китоблари"),
            ("va", "ва"),
        ],
        places: &["Toshkent", "Samarqand"],
        publishers: &["Fan", "Yangi asr avlodi", "Oʻzbekiston"],
        names: &["Husainova, Zarifa", "Rajabov, Alisher", "Yoʻldosheva, Nilufar"],
        subjects: &["Qoʻlyozmalar", "Kutubxonalar -- Tarix"],
    },
    Language {
        code: "chi",
        country: "cc ",
        script: Some("$1"),
        words: &[
            ("Si chou", "丝绸"),
            ("zhi lu", "之路"),
            ("li shi", "历史"),
            ("Zhongguo", "中国"),
            ("gu dai", "古代"),
            ("tu shu guan", "图书馆"),
            ("wen xian", "文献"),
            ("Zhong Ya", "中亚"),
        ],
        places: &["Beijing", "Shanghai"],
        publishers: &["Zhonghua shu ju", "Ren min wen xue chu ban she"],
        names: &["Wang, Lin", "Liu, Mei", "Cao, Wenlin"],
        subjects: &["Manuscripts, Chinese", "Silk Road -- History"],
    },
];

fn control(tag: &str, value: String) -> Field {
    Field::Control { tag: tag.to_owned(), value }
}

fn data(tag: &str, indicators: &str, subfields: &[(char, String)]) -> Field {
    let mut ind = indicators.chars();
    Field::Data {
        tag: tag.to_owned(),
        ind1: ind.next().unwrap_or(' '),
        ind2: ind.next().unwrap_or(' '),
        subfields: subfields.iter().map(|(code, value)| Subfield { code: *code, value: value.clone() }).collect(),
    }
}

fn isbn13(first12: &str) -> String {
    let sum: u32 = first12.bytes().enumerate().map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 1 } else { 3 }).sum();
    format!("{first12}{}", (10 - sum % 10) % 10)
}

fn record(random: &mut Random, series: u8, i: usize) -> Record {
    let lang = &LANGUAGES[i % LANGUAGES.len()];
    // Mostly books; some scores and sound recordings, as in a music library's exchange.
    let kind = match i % 23 {
        7 | 15 => "cm",
        11 => "jm",
        _ => "am",
    };
    let year = 1950 + random.below(74);
    let words: Vec<&(&str, &str)> = (0..3 + random.below(3)).map(|_| random.pick(lang.words)).collect();
    let title = words.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(" ");
    let alternate = words.iter().map(|(_, w)| *w).collect::<Vec<_>>().join(" ");
    let subtitle = format!("{} {}", random.pick(lang.words).0, random.pick(lang.words).0);
    let author = *random.pick(lang.names);
    let editor = *random.pick(lang.names);
    let place = *random.pick(lang.places);
    let publisher = *random.pick(lang.publishers);
    let linked = lang.script.is_some();

    let mut fields = vec![
        control("001", format!("hk-syn{series}-{i:05}")),
        control("005", "20240115120000.0".to_owned()),
        control("008", format!("240115s{year}    {}a     b    001 0 {} d", lang.country, lang.code)),
    ];
    if kind == "am" {
        fields.push(data("020", "  ", &[('a', isbn13(&format!("9786{series}{i:07}")))]));
    }
    fields.push(data("041", "0 ", &[('a', lang.code.to_owned())]));
    fields.push(data("100", "1 ", &[('a', format!("{author},")), ('e', "author.".to_owned())]));
    let mut title_field = vec![('a', format!("{title} :")), ('b', format!("{subtitle} /")), ('c', author.to_owned())];
    if linked {
        title_field.insert(0, ('6', "880-01".to_owned()));
    }
    fields.push(data("245", "10", &title_field));
    fields.push(data(
        "260",
        "  ",
        &[('a', format!("{place} :")), ('b', format!("{publisher},")), ('c', format!("{year}."))],
    ));
    let extent = match kind {
        "cm" => format!("1 score ({} p.) ;", 24 + random.below(200)),
        "jm" => "1 sound disc (62 min.) ;".to_owned(),
        _ => format!("{} p. :", 96 + random.below(600)),
    };
    fields.push(data("300", "  ", &[('a', extent), ('c', "24 cm.".to_owned())]));
    if i.is_multiple_of(4) {
        fields.push(data("490", "0 ", &[('a', format!("{} ;", lang.words[0].0)), ('v', format!("{}", 1 + i % 40))]));
    }
    fields.push(data(
        "500",
        "  ",
        &[('a', format!("Includes bibliographical references (p. {}-{}) and index.", 200 + i % 50, 210 + i % 50))],
    ));
    fields.push(data(
        "520",
        "  ",
        &[(
            'a',
            format!(
                "A study of {title} and {subtitle}, drawing on the collections of libraries in {place} \
                 and on partner exchanges; with a catalogue of {} items described for the first time.",
                10 + random.below(400)
            ),
        )],
    ));
    for _ in 0..2 {
        fields.push(data("650", " 0", &[('a', (*random.pick(lang.subjects)).to_owned())]));
    }
    fields.push(data("700", "1 ", &[('a', format!("{editor},")), ('e', "editor.".to_owned())]));
    if let Some(script) = lang.script {
        fields.push(data("880", "10", &[('6', format!("245-01/{script}")), ('a', alternate)]));
    }
    let mut leader = Leader::default_bibliographic();
    leader = leader.with(6, kind.as_bytes()[0] as char).with(7, kind.as_bytes()[1] as char);
    Record { leader, fields, warnings: Vec::new() }
}
