use std::sync::Arc;

use chrono::{TimeZone, Utc};
use tantivy::{Index, IndexWriter, Warmer};

use super::*;
use crate::document::{Contributor, ContributorRole, Description, DocumentFormat};
use crate::search::db::IndexRow;
use crate::search::indexer::fixture::{add_described, empty_index};
use crate::search::indexer::to_document;

/// A hit carries the index's copy of its document when asked: every field but the
/// stored MARC record, which stays in PostgreSQL.
#[test]
fn a_hit_carries_the_indexed_copy_of_its_document_only_when_asked() {
    let fields = crate::search::schema::build();
    let index = Index::create_in_ram(fields.schema.clone());
    crate::search::analysis::register(index.tokenizers());
    let document = Document {
        id: 7,
        description: Description {
            title: "Boburnoma".into(),
            contributors: vec![Contributor {
                name: "Zahiriddin Muhammad Bobur".into(),
                role: ContributorRole::Author,
                parallel_name: Some("Заҳириддин Муҳаммад Бобур".into()),
            }],
            languages: vec!["uzb".into()],
            year: Some(1530),
            abstract_text: Some("Memoirs.".into()),
            format: DocumentFormat::Manuscript,
            ..Description::default()
        },
        source: Some("nlu".into()),
        control_number: Some("000123".into()),
        origin_partner_id: Some(3),
        origin_exchange_id: None,
        import_id: Some(11),
        marc_xml: Some("<record/>".into()),
        created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        updated_at: Utc.with_ymd_and_hms(2026, 2, 3, 4, 5, 6).unwrap(),
    };
    let row = IndexRow {
        document: document.clone(),
        country: Some("UZ".into()),
        available: true,
        projects: vec![],
        directions: vec![],
    };
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    writer.add_document(to_document(&fields, &row)).unwrap();
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    let search = |with_documents: bool, with_highlights: bool| {
        let request = Request {
            query: crate::search::query::parse("boburnoma"),
            limit: 20,
            with_documents,
            with_highlights,
            ..Request::default()
        };
        run(&searcher, index.tokenizers(), &fields, &Remembered::default(), &request, 1).unwrap()
    };

    let found = search(true, false);
    assert_eq!(found.total, 1);
    let copy = found.hits[0].document.clone().expect("the index keeps a copy");
    assert_eq!(copy, Document { marc_xml: None, ..document });
    assert_eq!(found.hits[0].highlights, None);
    assert_eq!(search(false, false).hits[0].document, None);

    // Highlights are marked on the copy, as the page shows them.
    let marked = search(true, true).hits[0].highlights.clone().expect("marked when asked");
    assert_eq!(marked.title.as_deref(), Some("<mark>Boburnoma</mark>"));
    assert_eq!(marked.abstract_text, None, "nothing in the abstract matches");
    assert_eq!(search(false, true).hits[0].highlights, None, "no copy read, nothing to mark");
}

/// An abstract is marked when it holds the query's word in any analysed form (stemmed,
/// other script), and left unread when the index says it holds none; prefixes are marked
/// wherever they occur.
#[test]
fn abstracts_are_marked_exactly_where_they_hold_the_words() {
    let (fields, index, mut writer) = empty_index();
    let documents = [
        (1, "Navoiy devoni", "Alisher Navoiyning she'rlari."),
        (2, "Navoiy", "Shoirning hayoti haqida."),
        (3, "Devon", "Навоий ғазаллари ва рубоийлари."),
        (4, "Ruboiylar", "Navoiy va Bobur."),
        (5, "Ruboiy va g'azal", "Ruboiylar to'plami."),
    ];
    for (id, title, abstract_text) in documents {
        let description =
            Description { title: title.into(), abstract_text: Some(abstract_text.into()), ..Description::default() };
        add_described(&writer, &fields, id, description);
    }
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    let abstracts = |query: &str| {
        let request = Request {
            query: crate::search::query::parse(query),
            limit: 20,
            with_documents: true,
            with_highlights: true,
            ..Request::default()
        };
        let mut marked: Vec<(i64, Option<String>)> =
            run(&searcher, index.tokenizers(), &fields, &Remembered::default(), &request, 1)
                .unwrap()
                .hits
                .into_iter()
                .map(|hit| (hit.document_id, hit.highlights.and_then(|h| h.abstract_text)))
                .collect();
        marked.sort();
        marked
    };
    assert_eq!(
        abstracts("navoiy"),
        [
            (1, Some("Alisher <mark>Navoiyning</mark> she&#39;rlari.".to_owned())),
            (2, None),
            (3, Some("<mark>Навоий</mark> ғазаллари ва рубоийлари.".to_owned())),
            (4, Some("<mark>Navoiy</mark> va Bobur.".to_owned())),
        ]
    );
    // The word being typed marks the words it begins, in the abstracts that hold one.
    assert_eq!(abstracts("rubo"), [(4, None), (5, Some("<mark>Ruboiylar</mark> to&#39;plami.".to_owned()))]);
    // A misspelt word's page marks the corrections its search matched ("Navoiy"; its
    // cross-script skeleton is the misspelling's own), in the abstracts that hold one.
    let mut misspelt = abstracts("navoyi ");
    misspelt.retain(|(_, marked)| marked.is_some());
    assert_eq!(
        misspelt,
        [
            (3, Some("<mark>Навоий</mark> ғазаллари ва рубоийлари.".to_owned())),
            (4, Some("<mark>Navoiy</mark> va Bobur.".to_owned()))
        ]
    );
}

/// A page read and marked on two threads is the page one thread reads: the same hits in
/// the same order, with the same copies and marks.
#[test]
fn a_page_read_on_two_threads_is_the_page_one_thread_reads() {
    let (fields, index, mut writer) = empty_index();
    for id in 0..30_i64 {
        let title = if id % 3 == 0 { format!("Navoiy devoni {id}") } else { format!("Devon {id}") };
        let abstract_text = match id % 4 {
            0 => "Alisher Navoiyning she'rlari.",
            1 => "Навоий ғазаллари.",
            2 => "Shoirning hayoti haqida.",
            _ => "Navoiy va Bobur.",
        };
        let description = Description { title, abstract_text: Some(abstract_text.into()), ..Description::default() };
        add_described(&writer, &fields, id, description);
    }
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    let request = Request {
        query: crate::search::query::parse("navoiy"),
        limit: 20,
        with_documents: true,
        with_highlights: true,
        ..Request::default()
    };
    let remembered = Remembered::default();
    let alone = run(&searcher, index.tokenizers(), &fields, &remembered, &request, 1).unwrap();
    let shared = run(&searcher, index.tokenizers(), &fields, &remembered, &request, 2).unwrap();
    assert!(alone.hits.len() >= 16, "a page long enough to be shared ({})", alone.hits.len());
    assert!(alone.hits.iter().all(|hit| hit.document.is_some() && hit.highlights.is_some()));
    assert_eq!(shared, alone);
}

/// A reload works out the new segments' decoded tables and misspelling indexes before
/// searches see them, and forgets those of segments merged away.
#[test]
fn a_reload_warms_what_the_first_search_of_a_segment_would_work_out() {
    let (fields, index, mut writer) = empty_index();
    let add = |writer: &IndexWriter, id: i64, title: &str| {
        let description = Description { title: title.into(), languages: vec!["uzb".into()], ..Description::default() };
        add_described(writer, &fields, id, description);
    };
    add(&writer, 1, "Samarqand tarixi");
    writer.commit().unwrap();
    let remembered = Arc::new(Remembered::default());
    let warming: Arc<dyn Warmer> = Arc::new(Warming::new(remembered.clone(), &fields));
    let reader: tantivy::IndexReader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .warmers(vec![Arc::downgrade(&warming)])
        .try_into()
        .unwrap();
    let warmed = |segment: &tantivy::SegmentReader| {
        let id = segment.segment_id();
        remembered.segment_tables.holds(id)
            && crate::search::expansion::misspelling_dictionaries(&fields)
                .into_iter()
                .all(|field| remembered.expansions.holds_typo_index(id, field))
    };
    let first = reader.searcher().segment_readers()[0].segment_id();
    assert!(reader.searcher().segment_readers().iter().all(warmed), "warmed when the reader opens");

    add(&writer, 2, "Buxoro kutubxonasi");
    writer.commit().unwrap();
    reader.reload().unwrap();
    assert_eq!(reader.searcher().segment_readers().len(), 2);
    assert!(reader.searcher().segment_readers().iter().all(warmed), "a new segment is warmed on reload");

    writer.merge(&index.searchable_segment_ids().unwrap()).wait().unwrap();
    reader.reload().unwrap();
    assert_eq!(reader.searcher().segment_readers().len(), 1);
    assert!(reader.searcher().segment_readers().iter().all(warmed), "the merged segment is warmed");
    assert!(!remembered.expansions.holds_typo_index(first, fields.vocabulary), "merged away, forgotten");

    // The warmed tables are the ones searches use: a misspelling is found on them.
    let request = Request { query: crate::search::query::parse("samarqnd "), limit: 5, ..Request::default() };
    let found = run(&reader.searcher(), index.tokenizers(), &fields, &remembered, &request, 1).unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.corrections, ["samarqand"]);
}

/// A phrase of two words is looked up as their pair, and a longer one through its pairs and
/// positions: either way its words must stand next to each other, in order, within one
/// value of a field, in any analysed form (exact, folded, stemmed, other script).
#[test]
fn a_phrase_matches_its_words_next_to_each_other_in_every_form() {
    let (fields, index, mut writer) = empty_index();
    let titled = |title: &str, subtitle: Option<&str>| Description {
        title: title.into(),
        subtitle: subtitle.map(Into::into),
        ..Description::default()
    };
    add_described(&writer, &fields, 1, titled("O‘zbek xalq dostonlari", None));
    add_described(&writer, &fields, 2, titled("Dostonlari xalq o‘zbek", None));
    add_described(&writer, &fields, 3, titled("O‘zbek", Some("xalq dostonlari")));
    add_described(&writer, &fields, 4, titled("Ўзбек халқ достонлари", None));
    add_described(&writer, &fields, 5, titled("Libraries of Central Asia", None));
    add_described(&writer, &fields, 6, titled("O‘zbek adabiy xalq dostonlari", None));
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    let found = |query: &str| {
        let request = Request { query: crate::search::query::parse(query), limit: 20, ..Request::default() };
        let results = run(&searcher, index.tokenizers(), &fields, &Remembered::default(), &request, 1).unwrap();
        let mut ids: Vec<i64> = results.hits.iter().map(|h| h.document_id).collect();
        ids.sort_unstable();
        assert_eq!(results.total, ids.len());
        ids
    };
    // As written, folded, in Cyrillic; not reversed, not split between title and subtitle,
    // not with a word between.
    assert_eq!(found("\"o‘zbek xalq\""), [1, 4]);
    assert_eq!(found("\"ozbek xalq\""), [1, 4]);
    assert_eq!(found("\"ўзбек халқ\""), [1, 4]);
    assert_eq!(found("\"xalq o‘zbek\""), [2]);
    assert_eq!(found("\"o‘zbek xalq dostonlari\""), [1, 4]);
    assert_eq!(found("\"xalq dostonlari\""), [1, 3, 4, 6]);
    assert_eq!(found("\"o‘zbek dostonlari\""), Vec::<i64>::new());
    // Stemmed: the plural found by the singular.
    assert_eq!(found("\"library of\""), [5]);
    assert_eq!(found("\"library of central\""), [5]);
    assert_eq!(found("\"library central\""), Vec::<i64>::new());
}
