//! Reading responses as a harvester's parser does, and checking them against the
//! structure the OAI-PMH 2.0 schema (`OAI-PMH.xsd`) fixes: the envelope, each verb's
//! children in order, headers and records.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;

const OAI: &str = "http://www.openarchives.org/OAI/2.0/";
const VERBS: [&str; 6] = ["Identify", "ListMetadataFormats", "ListSets", "GetRecord", "ListIdentifiers", "ListRecords"];

/// An element: namespace, local name, attributes (qualified names), text and children.
#[derive(Debug, Default)]
pub struct Node {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    #[track_caller]
    pub fn child(&self, name: &str) -> &Node {
        self.children.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no <{name}> in <{}>", self.name))
    }

    pub fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    pub fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

fn element(ns: ResolveResult<'_>, start: &BytesStart<'_>) -> Node {
    let ns = match ns {
        ResolveResult::Bound(Namespace(ns)) => ns.to_owned(),
        _ => String::new(),
    };
    let attrs = start
        .attributes()
        .map(|a| a.expect("a well-formed attribute"))
        .filter(|a| !a.key.as_ref().starts_with("xmlns"))
        .map(|a| {
            let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).expect("an attribute value");
            (a.key.as_ref().to_owned(), value.into_owned())
        })
        .collect();
    Node { ns, name: start.local_name().as_ref().to_owned(), attrs, ..Node::default() }
}

/// Parses strictly: any response that is not well-formed namespaced XML fails the test.
pub fn parse(xml: &str) -> Node {
    let mut reader = NsReader::from_str(xml);
    let mut open: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        let (ns, event) = reader.read_resolved_event().unwrap_or_else(|e| panic!("well-formed XML: {e}\n{xml}"));
        let done = match event {
            Event::Start(start) => {
                open.push(element(ns, &start));
                None
            }
            Event::Empty(empty) => Some(element(ns, &empty)),
            Event::End(_) => open.pop(),
            Event::Text(text) => {
                match open.last_mut() {
                    Some(node) => node.text.push_str(&text.xml10_content()),
                    None => assert!(text.xml10_content().trim().is_empty(), "text outside the root element"),
                }
                None
            }
            Event::GeneralRef(reference) => {
                let entity = format!("&{};", &*reference.xml10_content());
                let resolved = quick_xml::escape::unescape(&entity).expect("a known entity").into_owned();
                open.last_mut().expect("text inside the root").text.push_str(&resolved);
                None
            }
            Event::Eof => break,
            _ => None,
        };
        if let Some(node) = done {
            match open.last_mut() {
                Some(parent) => parent.children.push(node),
                None => assert!(root.replace(node).is_none(), "one root element"),
            }
        }
    }
    root.expect("a root element")
}

pub fn is_datestamp(text: &str) -> bool {
    let pattern = b"9999-99-99T99:99:99Z";
    text.len() == pattern.len()
        && text.bytes().zip(pattern).all(|(c, &p)| if p == b'9' { c.is_ascii_digit() } else { c == p })
}

/// Whether `names` is `pattern`, a sequence of (name, at least, at most).
fn follows(names: &[&str], pattern: &[(&str, usize, usize)]) -> bool {
    let mut at = 0;
    for &(name, min, max) in pattern {
        let n = names[at..].iter().take_while(|&&n| n == name).count();
        if n < min || n > max {
            return false;
        }
        at += n;
    }
    at == names.len()
}

const MANY: usize = usize::MAX;

/// Every element outside `<metadata>` and `<description>` is in the OAI namespace.
#[track_caller]
fn check_namespaces(node: &Node) {
    assert_eq!(node.ns, OAI, "<{}> is outside the OAI namespace", node.name);
    if node.name != "metadata" && node.name != "description" {
        node.children.iter().for_each(check_namespaces);
    }
}

#[track_caller]
fn check_header(header: &Node) {
    assert!(follows(&header.names(), &[("identifier", 1, 1), ("datestamp", 1, 1), ("setSpec", 0, MANY)]), "{header:?}");
    assert!(is_datestamp(&header.child("datestamp").text), "{header:?}");
    assert!(matches!(header.attr("status"), None | Some("deleted")), "{header:?}");
}

#[track_caller]
fn check_record(record: &Node) {
    let header = record.child("header");
    check_header(header);
    let deleted = header.attr("status") == Some("deleted");
    let expected: &[(&str, usize, usize)] =
        if deleted { &[("header", 1, 1)] } else { &[("header", 1, 1), ("metadata", 1, 1)] };
    assert!(follows(&record.names(), expected), "{record:?}");
    if !deleted {
        assert_eq!(record.child("metadata").children.len(), 1, "one metadata element: {record:?}");
    }
}

#[track_caller]
fn check_verb(verb: &Node) {
    let names = verb.names();
    let ok = match verb.name.as_str() {
        "Identify" => follows(
            &names,
            &[
                ("repositoryName", 1, 1),
                ("baseURL", 1, 1),
                ("protocolVersion", 1, 1),
                ("adminEmail", 1, MANY),
                ("earliestDatestamp", 1, 1),
                ("deletedRecord", 1, 1),
                ("granularity", 1, 1),
                ("compression", 0, MANY),
                ("description", 0, MANY),
            ],
        ),
        "ListMetadataFormats" => {
            let formats = [("metadataPrefix", 1, 1), ("schema", 1, 1), ("metadataNamespace", 1, 1)];
            follows(&names, &[("metadataFormat", 1, MANY)])
                && verb.children.iter().all(|f| follows(&f.names(), &formats))
        }
        "ListSets" => {
            let set = [("setSpec", 1, 1), ("setName", 1, 1), ("setDescription", 0, MANY)];
            follows(&names, &[("set", 1, MANY), ("resumptionToken", 0, 1)])
                && verb.all("set").iter().all(|s| follows(&s.names(), &set))
        }
        "GetRecord" => follows(&names, &[("record", 1, 1)]),
        "ListIdentifiers" => follows(&names, &[("header", 1, MANY), ("resumptionToken", 0, 1)]),
        "ListRecords" => follows(&names, &[("record", 1, MANY), ("resumptionToken", 0, 1)]),
        other => panic!("unknown verb element {other}"),
    };
    assert!(ok, "<{}> has its children out of the schema's order: {names:?}", verb.name);
    verb.all("header").into_iter().for_each(check_header);
    verb.all("record").into_iter().for_each(check_record);
}

/// The envelope: root, responseDate, request, then errors or the verb's element.
#[track_caller]
pub fn check_envelope(root: &Node) {
    assert_eq!(root.name, "OAI-PMH");
    check_namespaces(root);
    assert!(root.attr("xsi:schemaLocation").is_some_and(|s| s.starts_with(OAI) && s.ends_with("/OAI-PMH.xsd")));
    let names = root.names();
    assert!(names.len() >= 3 && names[..2] == ["responseDate", "request"], "{names:?}");
    assert!(is_datestamp(&root.children[0].text), "{:?}", root.children[0]);
    let request = &root.children[1];
    assert!(
        (request.text.starts_with("http://") || request.text.starts_with("https://")) && request.text.ends_with("/oai"),
        "{request:?}"
    );
    let rest = &root.children[2..];
    if rest.iter().any(|n| n.name == "error") {
        assert!(rest.iter().all(|n| n.name == "error" && n.attr("code").is_some()), "errors come alone: {names:?}");
        let bare = rest.iter().any(|n| matches!(n.attr("code"), Some("badVerb" | "badArgument")));
        assert_eq!(request.attrs.is_empty(), bare, "request attributes only without badVerb/badArgument: {root:?}");
    } else {
        assert_eq!(rest.len(), 1, "{names:?}");
        assert!(VERBS.contains(&rest[0].name.as_str()), "{names:?}");
        assert_eq!(request.attr("verb"), Some(rest[0].name.as_str()));
        check_verb(&rest[0]);
    }
}
