//! The languages of the benchmark's catalogue: for each, the words, names, places and
//! syllables its records are made of, and the subjects shared by all.
//!
//! Word lists hold frequent words of the language (and, where the catalogue writes it in two
//! scripts, the same words in the other script, index for index), so that cross-script and
//! stemmed queries have something real to find.

#[cfg(doc)]
use super::PARTNERS;

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
