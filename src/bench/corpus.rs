//! The benchmark's catalogue: documents generated from a seed, so every run with the same
//! seed and size holds the same records and asks the same questions.
//!
//! Records are drawn from word lists in the catalogue's languages and scripts (Uzbek in
//! Latin and Cyrillic, Russian, English, Kazakh, Turkish, Chinese, Korean, Japanese), with
//! frequent words chosen more often than rare ones, and a long tail of made-up words built
//! from syllables so that the term dictionaries are as large as a real catalogue's.

use crate::document::{Contributor, ContributorRole, Description, DocumentFormat, ParallelTitle};

/// A small, fast, deterministic generator (SplitMix64): the same seed gives the same corpus
/// on every machine and every build.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng(seed);
        rng.next_u64();
        rng
    }

    /// The generator of one item of a stream: independent of every other item.
    pub fn for_item(seed: u64, stream: u64, item: u64) -> Self {
        Rng::new(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ item.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Uniform in lo..=hi.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Skewed towards the start of the list: the first words of a list are much more
    /// frequent than the last, as in real text.
    pub fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((u * u * u * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// An index drawn with the given relative weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut at = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if at < *w {
                return i;
            }
            at -= w;
        }
        weights.len() - 1
    }
}

/// A partner the generated documents come from.
pub struct BenchPartner {
    pub country: &'static str,
    pub city: &'static str,
    /// (BCP 47 tag, name)
    pub names: &'static [(&'static str, &'static str)],
}

pub const PARTNERS: &[BenchPartner] = &[
    BenchPartner {
        country: "KR",
        city: "Seoul",
        names: &[("en", "National Library of Korea"), ("ko", "국립중앙도서관")],
    },
    BenchPartner {
        country: "CN",
        city: "Beijing",
        names: &[("en", "National Library of China"), ("zh", "中国国家图书馆")],
    },
    BenchPartner {
        country: "KZ",
        city: "Astana",
        names: &[("en", "National Library of Kazakhstan"), ("kk", "Қазақстан Республикасының Ұлттық кітапханасы")],
    },
    BenchPartner {
        country: "TR",
        city: "Ankara",
        names: &[("en", "National Library of Turkey"), ("tr", "Millî Kütüphane")],
    },
    BenchPartner {
        country: "RU",
        city: "Moscow",
        names: &[("en", "Russian State Library"), ("ru", "Российская государственная библиотека")],
    },
    BenchPartner { country: "US", city: "Washington", names: &[("en", "Library of Congress")] },
    BenchPartner {
        country: "JP", city: "Tokyo", names: &[("en", "National Diet Library"), ("ja", "国立国会図書館")]
    },
    BenchPartner { country: "GB", city: "London", names: &[("en", "British Library")] },
];

/// One language of the corpus and what its records are made of.
pub struct Lang {
    /// ISO 639-3, as stored.
    pub code: &'static str,
    pub words: &'static [&'static str],
    /// The same words in another script (index for index), and that script.
    pub parallel: Option<(&'static [&'static str], &'static str)>,
    /// (name, the same name in another script)
    pub names: &'static [(&'static str, Option<&'static str>)],
    pub places: &'static [&'static str],
    /// What separates words in running text ("" for Chinese and Japanese).
    pub joiner: &'static str,
    /// Made-up words are two to four of these.
    pub syllables: &'static [&'static str],
    /// The same syllables in the parallel script, index for index.
    pub parallel_syllables: Option<&'static [&'static str]>,
    /// Index into [`PARTNERS`] of the partner most documents in this language come from.
    pub partner: Option<usize>,
    /// Share of the corpus.
    pub weight: u32,
}

#[rustfmt::skip]
const UZ_LATN: &[&str] = &[
    "o‘zbekiston", "kitob", "tarix", "adabiyot", "she’riyat", "madaniyat", "til", "xalq", "ilm", "fan", "maktab",
    "kutubxona", "qo‘lyozma", "g‘azal", "doston", "hikoya", "roman", "yoshlar", "shahar", "Toshkent", "Samarqand",
    "Buxoro", "Xiva", "Navoiy", "Bobur", "temuriylar", "san’at", "musiqa", "me’morchilik", "tabiat", "iqtisodiyot",
    "huquq", "falsafa", "tibbiyot", "qishloq", "xo‘jaligi", "sharq", "mumtoz", "lug‘at", "asarlar", "to‘plami",
    "tanlangan", "o‘quv", "qo‘llanma", "ilmiy", "maqolalar", "yangi", "qadimgi", "davr", "mustaqillik", "ma’naviyat",
    "tarjima", "bolalar", "ertaklar", "xotira", "meros", "Farg‘ona", "Amudaryo", "Orol", "dengizi",
];

#[rustfmt::skip]
const UZ_CYRL: &[&str] = &[
    "ўзбекистон", "китоб", "тарих", "адабиёт", "шеърият", "маданият", "тил", "халқ", "илм", "фан", "мактаб",
    "кутубхона", "қўлёзма", "ғазал", "достон", "ҳикоя", "роман", "ёшлар", "шаҳар", "Тошкент", "Самарқанд", "Бухоро",
    "Хива", "Навоий", "Бобур", "темурийлар", "санъат", "мусиқа", "меъморчилик", "табиат", "иқтисодиёт", "ҳуқуқ",
    "фалсафа", "тиббиёт", "қишлоқ", "хўжалиги", "шарқ", "мумтоз", "луғат", "асарлар", "тўплами", "танланган", "ўқув",
    "қўлланма", "илмий", "мақолалар", "янги", "қадимги", "давр", "мустақиллик", "маънавият", "таржима", "болалар",
    "эртаклар", "хотира", "мерос", "Фарғона", "Амударё", "Орол", "денгизи",
];

const UZ_NAMES_LATN: &[(&str, Option<&str>)] = &[
    ("Navoiy, Alisher", Some("Навоий, Алишер")),
    ("Qodiriy, Abdulla", Some("Қодирий, Абдулла")),
    ("Cho‘lpon, Abdulhamid", Some("Чўлпон, Абдулҳамид")),
    ("Oybek", Some("Ойбек")),
    ("G‘afur G‘ulom", Some("Ғафур Ғулом")),
    ("Karimov, Nurali", Some("Каримов, Нурали")),
    ("Yusupova, Dilorom", Some("Юсупова, Дилором")),
    ("Ergashev, Bahodir", Some("Эргашев, Баҳодир")),
    ("Rahimova, Gulnora", Some("Раҳимова, Гулнора")),
    ("Sultonov, Otabek", Some("Султонов, Отабек")),
    ("To‘xtayev, Shuhrat", Some("Тўхтаев, Шуҳрат")),
    ("Ismoilova, Zarina", Some("Исмоилова, Зарина")),
];

const UZ_NAMES_CYRL: &[(&str, Option<&str>)] = &[
    ("Навоий, Алишер", Some("Navoiy, Alisher")),
    ("Қодирий, Абдулла", Some("Qodiriy, Abdulla")),
    ("Чўлпон, Абдулҳамид", Some("Cho‘lpon, Abdulhamid")),
    ("Ойбек", Some("Oybek")),
    ("Ғафур Ғулом", Some("G‘afur G‘ulom")),
    ("Каримов, Нурали", Some("Karimov, Nurali")),
    ("Юсупова, Дилором", Some("Yusupova, Dilorom")),
    ("Эргашев, Баҳодир", Some("Ergashev, Bahodir")),
    ("Раҳимова, Гулнора", None),
    ("Султонов, Отабек", None),
];

#[rustfmt::skip]
const UZ_SYLLABLES_LATN: &[&str] = &[
    "ka", "ra", "bo", "zo", "li", "mi", "nur", "sha", "to", "qa", "be", "di", "ge", "ho", "jo", "ku", "la", "ma", "ne",
    "pi", "ro", "sa", "ti", "vu", "ya", "xo", "o‘", "g‘a", "cho", "in",
];

#[rustfmt::skip]
const UZ_SYLLABLES_CYRL: &[&str] = &[
    "ка", "ра", "бо", "зо", "ли", "ми", "нур", "ша", "то", "қа", "бе", "ди", "ге", "ҳо", "жо", "ку", "ла", "ма", "не",
    "пи", "ро", "са", "ти", "ву", "я", "хо", "ў", "ға", "чо", "ин",
];

#[rustfmt::skip]
const RU: &[&str] = &[
    "история", "литература", "культура", "язык", "библиотека", "народ", "искусство", "наука", "образование",
    "развитие", "экономика", "право", "философия", "поэзия", "сборник", "статей", "избранные", "сочинения", "очерки",
    "русский", "советский", "средней", "Азии", "Востока", "город", "жизнь", "война", "мир", "память", "путешествие",
    "рукописи", "словарь", "учебник", "пособие", "исследование", "летопись", "культурное", "наследие", "археология",
    "этнография", "Москва", "Петербург", "Ташкент", "Самарканд", "Туркестан", "ханство", "государство", "реформы",
];

const RU_NAMES: &[(&str, Option<&str>)] = &[
    ("Толстой, Лев", Some("Tolstoy, Leo")),
    ("Пушкин, Александр", Some("Pushkin, Alexander")),
    ("Бартольд, Василий", Some("Barthold, Vasily")),
    ("Гумилёв, Лев", None),
    ("Иванов, Сергей", None),
    ("Петрова, Анна", None),
    ("Смирнов, Дмитрий", None),
    ("Кузнецова, Ольга", None),
    ("Соколов, Андрей", None),
    ("Лихачёв, Дмитрий", None),
];

#[rustfmt::skip]
const RU_SYLLABLES: &[&str] = &[
    "ва", "ро", "ли", "ска", "но", "ми", "про", "ст", "ве", "да", "ко", "ла", "ре", "ни", "то", "бо", "жи", "зе",
    "пра", "ры", "че", "шу", "ём", "ов", "ск", "ть", "гу", "де", "мо", "сы",
];

#[rustfmt::skip]
const EN: &[&str] = &[
    "history", "literature", "culture", "language", "library", "people", "art", "science", "education", "development",
    "economy", "law", "philosophy", "poetry", "collected", "essays", "selected", "works", "studies", "central",
    "Asia", "silk", "road", "city", "life", "war", "peace", "memory", "journey", "manuscripts", "dictionary",
    "textbook", "introduction", "research", "heritage", "archaeology", "ethnography", "modern", "ancient", "empire",
    "trade", "music", "architecture", "women", "children", "libraries", "cataloguing", "international", "cooperation",
    "Samarkand", "Bukhara", "Timurid", "steppe", "nomads", "caravan",
];

const EN_NAMES: &[(&str, Option<&str>)] = &[
    ("Smith, John", None),
    ("Frye, Richard N.", None),
    ("Golden, Peter B.", None),
    ("Soucek, Svat", None),
    ("Brown, Emily", None),
    ("Wilson, Mark", None),
    ("Taylor, Sarah", None),
    ("Johnson, David", None),
    ("Starr, S. Frederick", None),
    ("Manz, Beatrice Forbes", None),
];

#[rustfmt::skip]
const EN_SYLLABLES: &[&str] = &[
    "ter", "ing", "con", "al", "ber", "ex", "pro", "ment", "ly", "tion", "ham", "ford", "ley", "ston", "wick", "dale",
    "mor", "ash", "bur", "cot", "den", "fen", "gar", "hol", "kin", "lan", "mer", "nor", "pel", "ros",
];

#[rustfmt::skip]
const KK: &[&str] = &[
    "тарихы", "әдебиет", "мәдениет", "тіл", "кітап", "кітапхана", "халық", "ғылым", "білім", "өнер", "қазақ",
    "ұлттық", "дала", "ақын", "жыр", "әңгімелер", "шығармалар", "жинағы", "зерттеу", "мұра", "Абай", "Алматы",
    "Астана", "өлеңдер", "ертегілер", "тәуелсіздік", "жастар", "дәстүр", "қолжазба", "сөздік", "Түркістан", "Сыр",
    "бойы", "көшпенділер", "шежіре",
];

const KK_NAMES: &[(&str, Option<&str>)] = &[
    ("Абай Құнанбайұлы", Some("Abai Qunanbaiuly")),
    ("Әуезов, Мұхтар", Some("Auezov, Mukhtar")),
    ("Сейфуллин, Сәкен", None),
    ("Жұмабаев, Мағжан", None),
    ("Нұрпейісова, Айгүл", None),
    ("Сүлейменов, Олжас", Some("Suleimenov, Olzhas")),
];

#[rustfmt::skip]
const KK_SYLLABLES: &[&str] = &[
    "қа", "ға", "ұл", "ақ", "ба", "ер", "тө", "ме", "кі", "ді", "ша", "жа", "сы", "ры", "тү", "ке", "ле", "на", "ом",
    "өз", "пе", "са", "те", "үй", "хан", "шы", "ың", "ін", "ән", "ай",
];

#[rustfmt::skip]
const TR: &[&str] = &[
    "tarih", "edebiyat", "kültür", "dil", "kitap", "kütüphane", "halk", "bilim", "eğitim", "sanat", "şiir", "roman",
    "hikâye", "türk", "osmanlı", "İstanbul", "Ankara", "araştırma", "incelemeler", "seçme", "eserler", "dünya",
    "yolculuk", "mimari", "müzik", "çocuk", "gençlik", "sözlük", "yazma", "miras", "göç", "şehir", "İpek", "yolu",
    "Orta", "Asya", "düşünce", "felsefe", "ekonomi", "hukuk", "Semerkant", "Buhara", "Timurlu",
];

const TR_NAMES: &[(&str, Option<&str>)] = &[
    ("Pamuk, Orhan", None),
    ("Kemal, Yaşar", None),
    ("Ali, Sabahattin", None),
    ("Şafak, Elif", None),
    ("Yılmaz, Ayşe", None),
    ("Öztürk, Mehmet", None),
    ("Çelik, İbrahim", None),
    ("İnalcık, Halil", None),
];

#[rustfmt::skip]
const TR_SYLLABLES: &[&str] = &[
    "ka", "lı", "ğı", "şe", "çi", "öz", "ün", "ra", "de", "mi", "so", "ta", "ye", "bu", "ha", "ke", "lü", "ne", "po",
    "sü", "tı", "va", "zı", "ar", "er", "ır", "ol", "ul", "em", "in",
];

#[rustfmt::skip]
const ZH: &[&str] = &[
    "历史", "文学", "文化", "语言", "图书馆", "人民", "艺术", "科学", "教育", "发展", "经济", "法律", "哲学", "诗歌", "文集", "研究", "中亚", "丝绸之路",
    "城市", "生活", "战争", "和平", "记忆", "旅行", "手稿", "词典", "教材", "遗产", "考古", "民族", "中国", "古代", "现代", "帝国", "贸易", "音乐", "建筑",
    "上海", "北京", "乌兹别克斯坦",
];

#[rustfmt::skip]
const ZH_PINYIN: &[&str] = &[
    "lishi", "wenxue", "wenhua", "yuyan", "tushuguan", "renmin", "yishu", "kexue", "jiaoyu", "fazhan", "jingji",
    "falü", "zhexue", "shige", "wenji", "yanjiu", "zhongya", "sichouzhilu", "chengshi", "shenghuo", "zhanzheng",
    "heping", "jiyi", "lüxing", "shougao", "cidian", "jiaocai", "yichan", "kaogu", "minzu", "zhongguo", "gudai",
    "xiandai", "diguo", "maoyi", "yinyue", "jianzhu", "shanghai", "beijing", "wuzibiekesitan",
];

const ZH_NAMES: &[(&str, Option<&str>)] = &[
    ("鲁迅", Some("Lu, Xun")),
    ("金庸", Some("Jin, Yong")),
    ("莫言", Some("Mo, Yan")),
    ("张伟", Some("Zhang, Wei")),
    ("王芳", Some("Wang, Fang")),
    ("李娜", Some("Li, Na")),
    ("季羡林", Some("Ji, Xianlin")),
];

#[rustfmt::skip]
const ZH_SYLLABLES: &[&str] = &[
    "天", "地", "山", "水", "风", "云", "春", "秋", "明", "清", "新", "古", "长", "安", "西", "东", "南", "北", "金",
    "玉", "龙", "凤", "书", "画", "国", "家", "心", "道", "光", "海",
];

#[rustfmt::skip]
const KO: &[&str] = &[
    "역사", "문학", "문화", "언어", "도서관", "국민", "예술", "과학", "교육", "발전", "경제", "법률", "철학", "시집", "연구", "중앙아시아", "실크로드", "도시",
    "생활", "전쟁", "평화", "기억", "여행", "고문헌", "사전", "교과서", "유산", "고고학", "민족", "한국", "고대", "현대", "제국", "무역", "음악", "건축",
    "서울", "소설", "고려인", "우즈베키스탄",
];

#[rustfmt::skip]
const KO_ROMAN: &[&str] = &[
    "yeoksa", "munhak", "munhwa", "eoneo", "doseogwan", "gungmin", "yesul", "gwahak", "gyoyuk", "baljeon", "gyeongje",
    "beomnyul", "cheolhak", "sijip", "yeongu", "jungangasia", "silkeurodeu", "dosi", "saenghwal", "jeonjaeng",
    "pyeonghwa", "gieok", "yeohaeng", "gomunheon", "sajeon", "gyogwaseo", "yusan", "gogohak", "minjok", "hanguk",
    "godae", "hyeondae", "jeguk", "muyeok", "eumak", "geonchuk", "seoul", "soseol", "goryeoin", "ujeubekiseutan",
];

const KO_NAMES: &[(&str, Option<&str>)] = &[
    ("허균", Some("Heo, Gyun")),
    ("김소월", Some("Kim, Sowol")),
    ("한강", Some("Han, Kang")),
    ("박경리", Some("Pak, Kyongni")),
    ("이민호", Some("Yi, Minho")),
    ("김지영", Some("Kim, Jiyeong")),
];

#[rustfmt::skip]
const KO_SYLLABLES: &[&str] = &[
    "가", "나", "다", "라", "마", "바", "사", "아", "자", "차", "카", "타", "파", "하", "강", "산", "민", "정", "현",
    "수", "영", "진", "호", "석", "길", "동", "서", "남", "북", "원",
];

#[rustfmt::skip]
const JA: &[&str] = &[
    "歴史", "文学", "文化", "言語", "図書館", "国民", "芸術", "科学", "教育", "発展", "経済", "法律", "哲学", "詩集", "研究", "中央アジア", "シルクロード",
    "都市", "生活", "戦争", "平和", "記憶", "旅行", "写本", "辞典", "教科書", "遺産", "考古学", "民族", "日本", "古代", "近代", "帝国", "貿易", "音楽",
    "建築", "東京", "小説", "物語", "ウズベキスタン",
];

#[rustfmt::skip]
const JA_ROMAN: &[&str] = &[
    "rekishi", "bungaku", "bunka", "gengo", "toshokan", "kokumin", "geijutsu", "kagaku", "kyoiku", "hatten", "keizai",
    "horitsu", "tetsugaku", "shishu", "kenkyu", "chuoajia", "shirukurodo", "toshi", "seikatsu", "senso", "heiwa",
    "kioku", "ryoko", "shahon", "jiten", "kyokasho", "isan", "kokogaku", "minzoku", "nihon", "kodai", "kindai",
    "teikoku", "boeki", "ongaku", "kenchiku", "tokyo", "shosetsu", "monogatari", "uzubekisutan",
];

const JA_NAMES: &[(&str, Option<&str>)] = &[
    ("夏目漱石", Some("Natsume, Soseki")),
    ("村上春樹", Some("Murakami, Haruki")),
    ("川端康成", Some("Kawabata, Yasunari")),
    ("佐藤健", Some("Sato, Takeru")),
    ("鈴木花子", Some("Suzuki, Hanako")),
];

#[rustfmt::skip]
const JA_SYLLABLES: &[&str] = &[
    "カ", "サ", "タ", "ナ", "ハ", "マ", "ラ", "キ", "シ", "チ", "山", "川", "田", "木", "花", "月", "空", "森", "光",
    "夢", "の", "ん", "ト", "ロ", "ミ", "ル", "ク", "ス", "ア", "イ",
];

pub const LANGS: &[Lang] = &[
    Lang {
        code: "uzb",
        words: UZ_LATN,
        parallel: Some((UZ_CYRL, "Cyrl")),
        names: UZ_NAMES_LATN,
        places: &["Toshkent", "Samarqand", "Buxoro", "Nukus"],
        joiner: " ",
        syllables: UZ_SYLLABLES_LATN,
        parallel_syllables: Some(UZ_SYLLABLES_CYRL),
        partner: None,
        weight: 24,
    },
    Lang {
        code: "uzb",
        words: UZ_CYRL,
        parallel: Some((UZ_LATN, "Latn")),
        names: UZ_NAMES_CYRL,
        places: &["Тошкент", "Самарқанд", "Бухоро"],
        joiner: " ",
        syllables: UZ_SYLLABLES_CYRL,
        parallel_syllables: Some(UZ_SYLLABLES_LATN),
        partner: None,
        weight: 12,
    },
    Lang {
        code: "rus",
        words: RU,
        parallel: None,
        names: RU_NAMES,
        places: &["Москва", "Санкт-Петербург", "Ташкент"],
        joiner: " ",
        syllables: RU_SYLLABLES,
        parallel_syllables: None,
        partner: Some(4),
        weight: 16,
    },
    Lang {
        code: "eng",
        words: EN,
        parallel: None,
        names: EN_NAMES,
        places: &["London", "New York", "Washington", "Cambridge"],
        joiner: " ",
        syllables: EN_SYLLABLES,
        parallel_syllables: None,
        partner: Some(5),
        weight: 14,
    },
    Lang {
        code: "kaz",
        words: KK,
        parallel: None,
        names: KK_NAMES,
        places: &["Алматы", "Астана"],
        joiner: " ",
        syllables: KK_SYLLABLES,
        parallel_syllables: None,
        partner: Some(2),
        weight: 7,
    },
    Lang {
        code: "tur",
        words: TR,
        parallel: None,
        names: TR_NAMES,
        places: &["İstanbul", "Ankara", "İzmir"],
        joiner: " ",
        syllables: TR_SYLLABLES,
        parallel_syllables: None,
        partner: Some(3),
        weight: 8,
    },
    Lang {
        code: "zho",
        words: ZH,
        parallel: Some((ZH_PINYIN, "Latn")),
        names: ZH_NAMES,
        places: &["北京", "上海"],
        joiner: "",
        syllables: ZH_SYLLABLES,
        parallel_syllables: None,
        partner: Some(1),
        weight: 7,
    },
    Lang {
        code: "kor",
        words: KO,
        parallel: Some((KO_ROMAN, "Latn")),
        names: KO_NAMES,
        places: &["서울", "부산"],
        joiner: " ",
        syllables: KO_SYLLABLES,
        parallel_syllables: None,
        partner: Some(0),
        weight: 7,
    },
    Lang {
        code: "jpn",
        words: JA,
        parallel: Some((JA_ROMAN, "Latn")),
        names: JA_NAMES,
        places: &["東京", "京都"],
        joiner: "",
        syllables: JA_SYLLABLES,
        parallel_syllables: None,
        partner: Some(6),
        weight: 5,
    },
];

pub const SUBJECTS: &[&str] = &[
    "Uzbekistan -- History",
    "Central Asia -- History",
    "Uzbek literature",
    "Uzbek poetry",
    "Russian literature",
    "Korean fiction",
    "Chinese poetry",
    "Japanese literature",
    "Kazakh literature",
    "Turkish literature",
    "Manuscripts",
    "Silk Road",
    "Libraries -- International cooperation",
    "Education",
    "Economics",
    "Law",
    "Philosophy",
    "Music",
    "Architecture",
    "Archaeology",
    "Ethnology",
    "Folklore",
    "Children's literature",
    "Linguistics",
    "Dictionaries",
    "Islamic art",
    "Timurids",
    "Translations",
    "Travel",
    "Women -- Social conditions",
    "Agriculture",
    "Medicine",
    "Aral Sea -- Environmental conditions",
    "Cotton",
    "Textiles",
    "Calligraphy",
    "Miniature painting",
    "Sufism",
    "Oral tradition",
    "Epic poetry",
    "Cinema",
    "Theatre",
    "Tourism",
    "Information technology",
    "Mathematics",
    "Astronomy -- History",
    "Ulugh Beg, 1394-1449",
    "Navoi, Alisher, 1441-1501",
];

const FORMATS: &[(DocumentFormat, u32)] = &[
    (DocumentFormat::Book, 70),
    (DocumentFormat::Serial, 10),
    (DocumentFormat::Manuscript, 5),
    (DocumentFormat::Map, 3),
    (DocumentFormat::Score, 2),
    (DocumentFormat::Audiovisual, 4),
    (DocumentFormat::Electronic, 5),
    (DocumentFormat::Other, 1),
];

/// Which generator wrote a corpus: bump when the generator changes, so an old corpus is
/// not taken for a new one.
pub const GENERATOR_VERSION: i32 = 1;

/// Stream ids of [`Rng::for_item`].
const DOCUMENT_STREAM: u64 = 1;

/// One generated document, with what queries are made from.
pub struct Generated {
    pub description: Description,
    /// Index into [`PARTNERS`].
    pub partner: Option<usize>,
    pub lang: &'static Lang,
    /// The title's words, in order.
    pub title_words: Vec<String>,
    /// The surnames (or whole names) of its contributors.
    pub names: Vec<String>,
}

/// A word, and the same word in the language's parallel script when there is one.
struct Word {
    text: String,
    parallel: Option<String>,
}

impl Lang {
    /// A word: mostly from the list (frequent ones more often), sometimes made up.
    fn word(&self, rng: &mut Rng, made_up: f64) -> Word {
        if rng.chance(made_up) {
            let n = rng.between(2, if self.joiner.is_empty() { 2 } else { 4 });
            let picks: Vec<usize> = (0..n).map(|_| rng.below(self.syllables.len())).collect();
            let text = picks.iter().map(|&i| self.syllables[i]).collect();
            let parallel = self.parallel_syllables.map(|s| picks.iter().map(|&i| s[i]).collect());
            return Word { text, parallel };
        }
        let i = rng.skewed(self.words.len());
        Word { text: self.words[i].to_owned(), parallel: self.parallel.map(|(p, _)| p[i].to_owned()) }
    }

    fn join(&self, words: &[String]) -> String {
        if self.code == "jpn" && words.len() > 1 {
            // 中央アジアの歴史: the possessive particle between the first two words.
            let mut out = format!("{}の{}", words[0], words[1]);
            out.extend(words[2..].iter().map(String::as_str));
            return out;
        }
        words.join(self.joiner)
    }

    /// The first letter capitalised, as titles are catalogued (Turkish `i` becomes `İ`).
    fn capitalise(&self, text: &str) -> String {
        let mut chars = text.chars();
        let Some(first) = chars.next() else { return String::new() };
        let upper: String =
            if self.code == "tur" && first == 'i' { "İ".into() } else { first.to_uppercase().collect() };
        upper + chars.as_str()
    }

    /// Running text of `n` words, with sentence punctuation.
    fn prose(&self, rng: &mut Rng, n: usize) -> String {
        let mut out = String::new();
        let mut sentence: Vec<String> = Vec::new();
        for i in 0..n {
            sentence.push(self.word(rng, 0.25).text);
            if i + 1 == n || (sentence.len() >= 6 && rng.chance(0.25)) {
                let text = self.join(&sentence);
                match self.joiner {
                    "" => {
                        out.push_str(&text);
                        out.push('。');
                    }
                    _ => {
                        if !out.is_empty() {
                            out.push(' ');
                        }
                        out.push_str(&self.capitalise(&text));
                        out.push('.');
                    }
                }
                sentence.clear();
            }
        }
        out
    }
}

/// Document `i` (0-based) of the corpus of `seed`: the same on every run.
pub fn document(seed: u64, i: u64) -> Generated {
    let mut rng = Rng::for_item(seed, DOCUMENT_STREAM, i);
    let weights: Vec<u32> = LANGS.iter().map(|l| l.weight).collect();
    let lang = &LANGS[rng.weighted(&weights)];

    let words: Vec<Word> = (0..rng.between(2, 6)).map(|_| lang.word(&mut rng, 0.08)).collect();
    let title_words: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
    let title = lang.capitalise(&lang.join(&title_words));
    let subtitle = rng.chance(0.3).then(|| {
        let sub: Vec<String> = (0..rng.between(2, 4)).map(|_| lang.word(&mut rng, 0.1).text).collect();
        lang.join(&sub)
    });
    let mut parallel_titles = Vec::new();
    if let Some((_, script)) = lang.parallel
        && rng.chance(if lang.joiner.is_empty() || lang.code == "kor" { 0.5 } else { 0.3 })
        && let Some(parallel) = words.iter().map(|w| w.parallel.clone()).collect::<Option<Vec<String>>>()
    {
        let joined =
            if script == "Latn" && lang.code != "uzb" { parallel.join(" ") } else { parallel.join(lang.joiner) };
        parallel_titles.push(ParallelTitle {
            title: capitalise_plain(&joined),
            subtitle: None,
            script: Some(script.into()),
        });
    }
    if matches!(lang.code, "rus" | "kaz") && rng.chance(0.1) {
        let english = &LANGS[3];
        let variant: Vec<String> = (0..rng.between(2, 4)).map(|_| english.word(&mut rng, 0.0).text).collect();
        parallel_titles.push(ParallelTitle {
            title: capitalise_plain(&variant.join(" ")),
            subtitle: None,
            script: Some("Latn".into()),
        });
    }

    let mut contributors = Vec::new();
    let mut names = Vec::new();
    for k in 0..rng.weighted(&[10, 60, 22, 8]) {
        let (name, parallel) = *rng.pick(lang.names);
        let role = match (k, rng.below(10)) {
            (0, _) | (_, 0..=5) => ContributorRole::Author,
            (_, 6 | 7) => ContributorRole::Editor,
            (_, 8) => ContributorRole::Translator,
            _ => ContributorRole::Compiler,
        };
        let parallel_name = parallel.filter(|_| rng.chance(0.6)).map(str::to_owned);
        names.push(name.split(',').next().unwrap_or(name).trim().to_owned());
        contributors.push(Contributor { name: name.to_owned(), role, parallel_name });
    }

    let mut languages = vec![lang.code.to_owned()];
    if rng.chance(0.05) {
        let other = rng.pick(LANGS).code;
        if other != lang.code {
            languages.push(other.to_owned());
        }
    }
    let mut subjects: Vec<String> = Vec::new();
    for _ in 0..rng.between(1, 3) {
        let subject = SUBJECTS[rng.skewed(SUBJECTS.len())].to_owned();
        if !subjects.contains(&subject) {
            subjects.push(subject);
        }
    }
    let abstract_text = rng.chance(0.7).then(|| {
        let n = rng.between(15, 60);
        lang.prose(&mut rng, n)
    });
    let year = match rng.below(100) {
        0..=4 => None,
        5..=14 => Some(rng.between(1800, 1949) as i32),
        _ => Some(2025 - rng.skewed(76) as i32),
    };
    let format = FORMATS[rng.weighted(&FORMATS.iter().map(|(_, w)| *w).collect::<Vec<_>>())].0;
    let partner = match lang.partner {
        Some(p) if rng.chance(0.7) => Some(p),
        _ if rng.chance(0.2) => Some(rng.below(PARTNERS.len())),
        _ => None,
    };
    let description = Description {
        title,
        subtitle,
        parallel_titles,
        contributors,
        languages,
        publisher: None,
        place: rng.chance(0.8).then(|| rng.pick(lang.places).to_string()),
        year,
        physical_description: rng.chance(0.5).then(|| format!("{} p.", rng.between(40, 900))),
        subjects,
        abstract_text,
        format,
        ..Description::default()
    };
    Generated { description, partner, lang, title_words, names }
}

fn capitalise_plain(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// A made-up word of `lang` that is almost surely in no document: a search that finds
/// nothing (and asks for a suggestion).
pub fn unlikely_word(lang: &Lang, rng: &mut Rng) -> String {
    let n = if lang.joiner.is_empty() { 4 } else { 6 };
    (0..n).map(|_| *rng.pick(lang.syllables)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_documents() {
        for i in [0, 1, 99_999] {
            assert_eq!(document(42, i).description, document(42, i).description);
        }
        assert_ne!(document(42, 7).description, document(43, 7).description);
    }

    #[test]
    fn word_lists_are_aligned_with_their_other_script() {
        for lang in LANGS {
            if let Some((parallel, _)) = lang.parallel {
                assert_eq!(lang.words.len(), parallel.len(), "{}", lang.code);
            }
            if let Some(parallel) = lang.parallel_syllables {
                assert_eq!(lang.syllables.len(), parallel.len(), "{}", lang.code);
            }
        }
    }

    #[test]
    fn generated_documents_are_valid() {
        for i in 0..2_000 {
            let generated = document(42, i);
            let validated = generated.description.clone().validate().expect("a valid description");
            assert_eq!(validated, generated.description, "document {i} is stored as generated");
        }
    }
}
