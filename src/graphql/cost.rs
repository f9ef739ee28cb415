//! What a query costs, measured before anything runs.
//!
//! The cost estimates the work a query asks for, in units of roughly ten microseconds of
//! server time: every field selected counts 1; a list
//! multiplies what is selected under it by how long it can be (a connection by the page
//! asked, `first`/`last` or 20; `nodes(ids:)` by the ids; other lists by
//! [`LIST_ESTIMATE`]); fields that do more than read a row weigh more ([`extra_weight`]);
//! every mutation field weighs [`MUTATION_WEIGHT`]. Introspection (`__schema`, `__type`) is
//! measured apart, against a limit of its own, because its size is the schema's, not the
//! data's: the standard introspection query of GraphiQL, Apollo and codegen tools passes it.
//!
//! The walk is linear in the size of the document: each fragment is measured once per page
//! size it is used with, never by expanding its spreads again, so a document whose fragments
//! double each other at every level is measured in microseconds and refused. Arithmetic
//! saturates, so no document overflows it.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, Positioned};
use async_graphql_value::Value;

/// The most a query may cost (about two seconds of work): a page of 20 partners with their
/// names, agreements and projects costs about 5,000; 100 partners with their agreements,
/// projects and those projects' partners, 140,000; a search with facets about 2,200.
pub const MAX_COST: u64 = 200_000;
/// The most introspection may cost: the standard introspection query costs about 50,000.
pub const MAX_INTROSPECTION_COST: u64 = 120_000;
/// A backstop beneath the cost: no screen nests fields deeper (the introspection query's
/// type references nest 9 deep).
pub const MAX_DEPTH: u32 = 24;
/// What a field of every mutation weighs, besides its selection: each writes in a
/// transaction of its own. At most 200 fit in one request.
pub const MUTATION_WEIGHT: u64 = 1_000;
/// How often one fragment may be expanded in the whole query. Fragments that spread each
/// other twice at every level expand 2^n times; a real query uses a fragment a few times.
pub const MAX_FRAGMENT_EXPANSIONS: u64 = 256;
/// How many items a plain list (a partner's names, a document's contributors) is assumed
/// to hold.
pub const LIST_ESTIMATE: u64 = 10;
/// The page size of a connection when neither `first` nor `last` is given.
const DEFAULT_PAGE: u64 = super::connection::DEFAULT_PAGE_SIZE as u64;
const MAX_PAGE: u64 = super::connection::MAX_PAGE_SIZE as u64;

/// Fields that do more than read a row, and how much more.
fn extra_weight(parent: &str, field: &str) -> u64 {
    match (parent, field) {
        // A search ranks the index; a suggestion walks its dictionaries again; facets count
        // the whole result.
        ("Query", "search") => 500,
        ("SearchHitConnection", "suggestion") => 1_000,
        ("SearchHitConnection", "facets") => 500,
        // An export renders a whole record; an export of many, a thousand at most.
        ("Document", "export") => 5,
        ("Query", "exportDocuments") => 5 * 1_000,
        ("Query", "illReport") => 50,
        // Yearly balances aggregate every shipment of a year.
        ("Query", "exchangeBalances") => 50,
        ("Partner", "exchangeBalance") => 10,
        // An import parses and writes a whole file.
        ("Mutation", "importMarc") => 20 * MUTATION_WEIGHT,
        ("Mutation", _) => MUTATION_WEIGHT,
        _ => 0,
    }
}

/// Introspection fields that return lists.
fn introspection_list(field: &str) -> bool {
    matches!(
        field,
        "types" | "directives" | "fields" | "interfaces" | "possibleTypes" | "enumValues" | "inputFields" | "args"
    )
}

/// What a query was measured at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub data: u64,
    pub introspection: u64,
    pub depth: u32,
}

/// Why a query is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    TooComplex { cost: u64, limit: u64 },
    IntrospectionTooComplex { cost: u64, limit: u64 },
    TooDeep { depth: u32, limit: u32 },
    FragmentCycle { fragment: String },
    FragmentRepeated { fragment: String, times: u64, limit: u64 },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TooComplex { cost, limit } => write!(
                f,
                "the query costs {cost}, more than the limit of {limit}: ask for smaller pages (first/last), \
                 fewer nested lists or fewer aliased fields, or split it into several requests"
            ),
            Refusal::IntrospectionTooComplex { cost, limit } => {
                write!(f, "the introspection in this query costs {cost}, more than the limit of {limit}")
            }
            Refusal::TooDeep { depth, limit } => {
                write!(f, "the query nests {depth} levels deep, more than the limit of {limit}")
            }
            Refusal::FragmentCycle { fragment } => {
                write!(f, "the fragment {} spreads itself", short(fragment))
            }
            Refusal::FragmentRepeated { fragment, times, limit } => write!(
                f,
                "the fragment {} is expanded {times} times in this query, more than the limit of {limit}",
                short(fragment)
            ),
        }
    }
}

/// A name from the query, cut short: an error never quotes a whole input back.
fn short(name: &str) -> String {
    name.chars().take(40).collect()
}

/// What a field returns.
#[derive(Clone, Debug)]
struct Returns {
    named: String,
    list: bool,
}

/// The schema's shape, as cost needs it: what each field of each type returns.
pub struct CostModel {
    fields: HashMap<(String, String), Returns>,
}

impl CostModel {
    /// Reads the shape from the schema's SDL. An SDL that does not parse gives an empty
    /// model, in which every field counts 1 (the schema is built by code, so it always parses).
    pub fn from_sdl(sdl: &str) -> Self {
        let mut fields = HashMap::new();
        if let Ok(document) = async_graphql::parser::parse_schema(sdl) {
            for definition in document.definitions {
                let TypeSystemDefinition::Type(definition) = definition else { continue };
                let type_name = definition.node.name.node.to_string();
                let defined = match definition.node.kind {
                    TypeKind::Object(object) => object.fields,
                    TypeKind::Interface(interface) => interface.fields,
                    _ => continue,
                };
                for field in defined {
                    let mut ty = &field.node.ty.node;
                    let mut list = false;
                    while let BaseType::List(inner) = &ty.base {
                        list = true;
                        ty = inner;
                    }
                    let BaseType::Named(named) = &ty.base else { continue };
                    fields.insert(
                        (type_name.clone(), field.node.name.node.to_string()),
                        Returns { named: named.to_string(), list },
                    );
                }
            }
        }
        CostModel { fields }
    }

    /// Measures the operation a request runs (every operation, when it cannot tell which)
    /// and refuses it when it is over a limit.
    pub fn check(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &serde_json::Value,
    ) -> Result<Cost, Refusal> {
        let mut measure = Measure { model: self, document, memo: HashMap::new(), active: HashSet::new() };
        let mut total = Cost::default();
        for (name, operation) in document.operations.iter() {
            let selected = match (&document.operations, operation_name) {
                (DocumentOperations::Single(_), _) | (_, None) => true,
                (_, Some(wanted)) => name.is_some_and(|n| n.as_str() == wanted),
            };
            if !selected {
                continue;
            }
            let cost = measure.operation(&operation.node, variables)?;
            check_expansions(document, &operation.node.selection_set)?;
            total = Cost {
                data: total.data.max(cost.data),
                introspection: total.introspection.max(cost.introspection),
                depth: total.depth.max(cost.depth),
            };
        }
        if total.depth > MAX_DEPTH {
            return Err(Refusal::TooDeep { depth: total.depth, limit: MAX_DEPTH });
        }
        if total.introspection > MAX_INTROSPECTION_COST {
            return Err(Refusal::IntrospectionTooComplex { cost: total.introspection, limit: MAX_INTROSPECTION_COST });
        }
        if total.data > MAX_COST {
            return Err(Refusal::TooComplex { cost: total.data, limit: MAX_COST });
        }
        Ok(total)
    }
}

/// The fragments spread directly in a selection set (not inside the fragments themselves).
fn spreads_in<'a>(set: &'a Positioned<SelectionSet>, out: &mut Vec<&'a str>) {
    for selection in &set.node.items {
        match &selection.node {
            Selection::Field(field) => spreads_in(&field.node.selection_set, out),
            Selection::InlineFragment(fragment) => spreads_in(&fragment.node.selection_set, out),
            Selection::FragmentSpread(spread) => out.push(spread.node.fragment_name.node.as_str()),
        }
    }
}

/// Refuses a fragment expanded more than [`MAX_FRAGMENT_EXPANSIONS`] times. Runs after the
/// cost walk, which refused cycles: the fragments reached form a DAG, counted in
/// topological order.
fn check_expansions(document: &ExecutableDocument, root: &Positioned<SelectionSet>) -> Result<(), Refusal> {
    let spreads_of = |name: &str| {
        let mut out = Vec::new();
        if let Some(fragment) = document.fragments.get(&Name::new(name)) {
            spreads_in(&fragment.node.selection_set, &mut out);
        }
        out
    };
    let mut roots = Vec::new();
    spreads_in(root, &mut roots);
    // Depth-first post-order from the roots, reversed: every fragment after all that spread it.
    let mut order: Vec<&str> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack: Vec<(&str, bool)> = roots.iter().rev().map(|r| (*r, false)).collect();
    while let Some((name, done)) = stack.pop() {
        if done {
            order.push(name);
            continue;
        }
        if !seen.insert(name) {
            continue;
        }
        stack.push((name, true));
        let Some(fragment) = document.fragments.get(&Name::new(name)) else { continue };
        let mut children = Vec::new();
        spreads_in(&fragment.node.selection_set, &mut children);
        stack.extend(children.into_iter().filter(|c| !seen.contains(c)).map(|c| (c, false)));
    }
    let mut times: HashMap<&str, u64> = HashMap::new();
    for name in roots {
        *times.entry(name).or_default() += 1;
    }
    for name in order.into_iter().rev() {
        let count = times.get(name).copied().unwrap_or(0);
        if count > MAX_FRAGMENT_EXPANSIONS {
            return Err(Refusal::FragmentRepeated {
                fragment: name.to_owned(),
                times: count,
                limit: MAX_FRAGMENT_EXPANSIONS,
            });
        }
        for child in spreads_of(name) {
            let entry = times.entry(child).or_default();
            *entry = entry.saturating_add(count);
        }
    }
    Ok(())
}

/// Where in the schema a selection set is measured.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Mode {
    Data,
    Introspection,
}

struct Measure<'a> {
    model: &'a CostModel,
    document: &'a ExecutableDocument,
    /// Fragments already measured, by (name, mode, page size of the connection they sit in).
    memo: HashMap<(&'a str, Mode, u64), Cost>,
    /// Fragments being measured now: meeting one again is a cycle.
    active: HashSet<&'a str>,
}

impl<'a> Measure<'a> {
    fn operation(
        &mut self,
        operation: &'a OperationDefinition,
        variables: &serde_json::Value,
    ) -> Result<Cost, Refusal> {
        let root = match operation.ty {
            async_graphql::parser::types::OperationType::Query => "Query",
            async_graphql::parser::types::OperationType::Mutation => "Mutation",
            async_graphql::parser::types::OperationType::Subscription => "Subscription",
        };
        let args = Arguments { operation, variables };
        self.selection_set(&operation.selection_set, root, Mode::Data, DEFAULT_PAGE, &args)
    }

    fn selection_set(
        &mut self,
        set: &'a Positioned<SelectionSet>,
        parent: &str,
        mode: Mode,
        page: u64,
        args: &Arguments<'_, 'a>,
    ) -> Result<Cost, Refusal> {
        let mut total = Cost::default();
        for selection in &set.node.items {
            let cost = match &selection.node {
                Selection::Field(field) => self.field(&field.node, parent, mode, page, args)?,
                Selection::InlineFragment(fragment) => {
                    let on = fragment.node.type_condition.as_ref().map_or(parent, |c| c.node.on.node.as_str());
                    self.selection_set(&fragment.node.selection_set, on, mode, page, args)?
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    self.fragment(name, mode, page, args)?
                }
            };
            total = Cost {
                data: total.data.saturating_add(cost.data),
                introspection: total.introspection.saturating_add(cost.introspection),
                depth: total.depth.max(cost.depth),
            };
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &'a str, mode: Mode, page: u64, args: &Arguments<'_, 'a>) -> Result<Cost, Refusal> {
        if let Some(cost) = self.memo.get(&(name, mode, page)) {
            return Ok(*cost);
        }
        // An unknown fragment is left to validation, which names it.
        let Some(fragment) = self.document.fragments.get(&Name::new(name)) else { return Ok(Cost::default()) };
        if !self.active.insert(name) {
            return Err(Refusal::FragmentCycle { fragment: name.to_owned() });
        }
        let on = fragment.node.type_condition.node.on.node.as_str();
        let cost = self.selection_set(&fragment.node.selection_set, on, mode, page, args)?;
        self.active.remove(name);
        self.memo.insert((name, mode, page), cost);
        Ok(cost)
    }

    fn field(
        &mut self,
        field: &'a async_graphql::parser::types::Field,
        parent: &str,
        mode: Mode,
        page: u64,
        args: &Arguments<'_, 'a>,
    ) -> Result<Cost, Refusal> {
        let name = field.name.node.as_str();
        let children = &field.selection_set;
        if name == "__schema" || name == "__type" {
            let inner = self.selection_set(children, name, Mode::Introspection, page, args)?;
            let introspection = inner.introspection.saturating_add(inner.data).saturating_add(1);
            return Ok(Cost { data: 1, introspection, depth: inner.depth + 1 });
        }
        if mode == Mode::Introspection {
            let multiplier = if introspection_list(name) { LIST_ESTIMATE } else { 1 };
            let inner = self.selection_set(children, name, mode, page, args)?;
            let cost = multiplier.saturating_mul(inner.data).saturating_add(1);
            return Ok(Cost { data: cost, introspection: 0, depth: inner.depth + 1 });
        }
        let returns = self.model.fields.get(&(parent.to_owned(), name.to_owned()));
        let (named, list) = returns.map_or(("", false), |r| (r.named.as_str(), r.list));
        let child_page = if named.ends_with("Connection") { args.page_size(field) } else { page };
        let multiplier = match (list, name, parent) {
            (false, _, _) => 1,
            (true, "edges", _) => page,
            (true, "nodes", "Query") => args.list_length(field, "ids").unwrap_or(MAX_PAGE),
            (true, _, _) => LIST_ESTIMATE,
        };
        let inner = if children.node.items.is_empty() {
            Cost::default()
        } else {
            self.selection_set(children, named, mode, child_page, args)?
        };
        Ok(Cost {
            data: multiplier.saturating_mul(inner.data).saturating_add(1).saturating_add(extra_weight(parent, name)),
            introspection: multiplier.saturating_mul(inner.introspection),
            depth: inner.depth + 1,
        })
    }
}

/// Reads argument values, following variables (and their defaults).
struct Arguments<'r, 'a> {
    operation: &'a OperationDefinition,
    variables: &'r serde_json::Value,
}

impl Arguments<'_, '_> {
    fn value(&self, field: &async_graphql::parser::types::Field, name: &str) -> Option<serde_json::Value> {
        let (_, value) = field.arguments.iter().find(|(n, _)| n.node.as_str() == name)?;
        match &value.node {
            Value::Variable(variable) => self.variables.get(variable.as_str()).cloned().or_else(|| {
                let definition = self.operation.variable_definitions.iter().find(|d| d.node.name.node == *variable)?;
                definition.node.default_value.as_ref()?.node.clone().into_json().ok()
            }),
            other => other.clone().into_const()?.into_json().ok(),
        }
    }

    /// The page a connection field asks for: `first` or `last`, else the default; a value
    /// out of range counts as the largest page (the field itself will refuse it).
    fn page_size(&self, field: &async_graphql::parser::types::Field) -> u64 {
        let asked: Vec<u64> = ["first", "last"]
            .iter()
            .filter_map(|arg| self.value(field, arg))
            .filter(|v| !v.is_null())
            .map(|v| v.as_u64().filter(|n| *n <= MAX_PAGE).unwrap_or(MAX_PAGE))
            .collect();
        asked.into_iter().max().unwrap_or(DEFAULT_PAGE)
    }

    fn list_length(&self, field: &async_graphql::parser::types::Field, name: &str) -> Option<u64> {
        self.value(field, name)?.as_array().map(|items| items.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> CostModel {
        CostModel::from_sdl(&crate::graphql::build_schema().sdl())
    }

    fn check(query: &str) -> Result<Cost, Refusal> {
        let document = async_graphql::parser::parse_query(query).expect("the test query parses");
        model().check(&document, None, &serde_json::json!({}))
    }

    fn doubling_fragments(levels: usize, leaf: &str) -> String {
        let mut query = String::from("query { ...F0 }\n");
        for level in 0..levels {
            query.push_str(&format!("fragment F{level} on Query {{ ...F{next} ...F{next} }}\n", next = level + 1));
        }
        query.push_str(&format!("fragment F{levels} on Query {{ {leaf} }}\n"));
        query
    }

    #[test]
    fn pages_multiply_what_they_select() {
        let small = check("{ partners(first: 2) { edges { node { id agreements { edges { node { id } } } } } } }");
        let large = check("{ partners(first: 100) { edges { node { id agreements { edges { node { id } } } } } } }");
        let (small, large) = (small.expect("cheap").data, large.expect("within the limit").data);
        assert!(large > 40 * small, "{small} -> {large}");
    }

    #[test]
    fn doubling_fragments_are_refused_at_any_depth() {
        for levels in [10, 25, 60, 500] {
            for leaf in ["__typename", "partners { totalCount }"] {
                let refusal = check(&doubling_fragments(levels, leaf)).expect_err("refused");
                assert!(
                    matches!(refusal, Refusal::TooComplex { .. } | Refusal::FragmentRepeated { .. }),
                    "{levels} levels: {refusal}"
                );
            }
        }
    }

    #[test]
    fn aliased_searches_and_mutations_are_refused() {
        let searches: String = (0..1000).map(|i| format!("s{i}: search(query: \"a\") {{ suggestion }} ")).collect();
        assert!(matches!(check(&format!("{{ {searches} }}")), Err(Refusal::TooComplex { .. })));
        let creates: String = (0..1000)
            .map(|i| format!("c{i}: createDocument(input: {{ description: {{ title: \"t\" }} }}) {{ id }} "))
            .collect();
        assert!(matches!(check(&format!("mutation {{ {creates} }}")), Err(Refusal::TooComplex { .. })));
    }

    /// The prices the README quotes.
    #[test]
    fn prices_of_the_queries_clients_send() {
        let price = |query: &str| check(query).expect("within the limits");
        let partners = price(
            r#"{ partners(filter: { country: "KR" }) { totalCount edges { node { id name(lang: "uz-Latn")
                names { lang value } agreements { edges { node { title kind status validUntil } } }
                projects { edges { node { role project { title kind status } } } } } } } }"#,
        );
        assert!((4_500..5_500).contains(&partners.data), "{partners:?}");
        let search = price(
            r#"{ search(query: "navoiy", first: 10) { totalCount suggestion
                edges { node { score highlights { title } document { id title year languages holdings { totalCount } } } }
                facets { languages { value count } decades { decade count } countries { value count } } } }"#,
        );
        assert!((2_000..2_500).contains(&search.data), "{search:?}");
        let deep = price(
            "{ partners(first: 100) { totalCount edges { node { name
                agreements { totalCount edges { node { title partner { name } } } }
                projects { edges { node { role project { title partners { edges { node { partner { country } } } } } } } }
            } } } }",
        );
        assert!((130_000..150_000).contains(&deep.data), "{deep:?}");
        for introspection in [
            include_str!("../../tests/fixtures/graphql/introspection.graphql"),
            include_str!("../../tests/fixtures/graphql/introspection-all-options.graphql"),
        ] {
            let cost = price(introspection);
            assert!((45_000..55_000).contains(&cost.introspection), "{cost:?}");
        }
    }

    #[test]
    fn fragment_cycles_are_refused() {
        let refusal = check("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }").expect_err("a cycle");
        assert!(matches!(refusal, Refusal::FragmentCycle { .. }));
    }

    #[test]
    fn variables_and_their_defaults_set_the_page() {
        let model = model();
        let document = async_graphql::parser::parse_query(
            "query($n: Int = 100) { partners(first: $n) { edges { node { agreements(first: $n) { totalCount edges { node { id } } } } } } }",
        )
        .unwrap();
        let by_default = model.check(&document, None, &serde_json::json!({})).expect("measured").data;
        let small = model.check(&document, None, &serde_json::json!({ "n": 5 })).expect("measured").data;
        assert!(by_default > 100 * small, "{small} vs {by_default}");
    }
}
