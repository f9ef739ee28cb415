//! Relator terms and codes: the role a name entry gives its contributor, and the term
//! written back on export.

use crate::document::ContributorRole;
use crate::marc::Field;

/// The role from the relator terms ($e, or $j for meetings), else the relator codes ($4).
/// A relator that is present but not modelled makes the role Contributor: the person
/// did something, just not authorship.
pub(super) fn role_of(field: &Field) -> Option<ContributorRole> {
    let term_code = if field.tag().ends_with("11") { 'j' } else { 'e' };
    let terms: Vec<&str> = field.subfields_with(term_code).collect();
    let codes: Vec<&str> = field.subfields_with('4').collect();
    terms
        .iter()
        .find_map(|t| role_from_term(t))
        .or_else(|| codes.iter().find_map(|c| role_from_code(c).or_else(|| role_from_term(c))))
        .or_else(|| (!terms.is_empty() || !codes.is_empty()).then_some(ContributorRole::Contributor))
}

pub(super) fn role_from_code(code: &str) -> Option<ContributorRole> {
    // Relator codes also arrive as id.loc.gov URIs.
    let code = code.trim().rsplit('/').next().unwrap_or("").trim_end_matches('.').to_ascii_lowercase();
    Some(match code.as_str() {
        "aut" | "cre" => ContributorRole::Author,
        "edt" | "edc" | "red" => ContributorRole::Editor,
        "trl" => ContributorRole::Translator,
        "ill" => ContributorRole::Illustrator,
        "com" => ContributorRole::Compiler,
        "cmp" => ContributorRole::Composer,
        "pht" => ContributorRole::Photographer,
        "pbl" => ContributorRole::Publisher,
        "ctb" => ContributorRole::Contributor,
        _ => return None,
    })
}

/// Relator terms in English (RDA and AACR2 abbreviations), Russian, French, German and
/// Chinese, as partner catalogues write them.
pub(super) fn role_from_term(term: &str) -> Option<ContributorRole> {
    use ContributorRole::*;
    let term = term.trim().trim_end_matches(['.', ',', ';', ':']).trim().to_lowercase();
    let exact = match term.as_str() {
        "aut" | "auteur" | "autor" | "автор" | "著" | "作者" | "原著" | "撰" => Some(Author),
        "ed" | "eds" | "ред" | "редактор" | "éd" | "dir" | "hrsg" | "herausgeber" | "編" | "编" | "主編" | "主编" => {
            Some(Editor)
        }
        "tr"
        | "trans"
        | "trad"
        | "traducteur"
        | "traductrice"
        | "пер"
        | "переводчик"
        | "übers"
        | "übersetzer"
        | "譯"
        | "译"
        | "翻譯"
        | "翻译" => Some(Translator),
        "ill"
        | "illus"
        | "ил"
        | "иллюстратор"
        | "худож"
        | "художник"
        | "illustrateur"
        | "illustratrice"
        | "繪"
        | "绘"
        | "插圖"
        | "插图" => Some(Illustrator),
        "comp" | "сост" | "составитель" | "compilateur" => Some(Compiler),
        "композитор" | "compositeur" | "komponist" => Some(Composer),
        "photog" | "фотограф" | "photographe" | "fotograf" => Some(Photographer),
        "publisher" | "издатель" | "éditeur" | "verlag" => Some(Publisher),
        "contributor" => Some(Contributor),
        _ => None,
    };
    exact.or_else(|| {
        // RDA terms, also as phrases ("joint author", "editor of compilation").
        [
            ("author", Author),
            ("editor", Editor),
            ("translator", Translator),
            ("illustrator", Illustrator),
            ("compiler", Compiler),
            ("composer", Composer),
            ("photographer", Photographer),
        ]
        .into_iter()
        .find(|(word, _)| term.contains(word))
        .map(|(_, role)| role)
    })
}

/// The RDA relator term written into `$e` on export.
pub(super) fn role_term(role: ContributorRole) -> &'static str {
    match role {
        ContributorRole::Author => "author",
        ContributorRole::Editor => "editor",
        ContributorRole::Translator => "translator",
        ContributorRole::Illustrator => "illustrator",
        ContributorRole::Compiler => "compiler",
        ContributorRole::Composer => "composer",
        ContributorRole::Photographer => "photographer",
        ContributorRole::Publisher => "publisher",
        ContributorRole::Contributor => "contributor",
    }
}
