//! GraphiQL, for a browser that opens `/graphql`: exact versions of the production builds,
//! each checked by the browser against its Subresource Integrity hash, so a changed file on
//! the CDN is refused rather than run.
//!
//! The hashes are those of the files as published on npm (unpkg serves them unchanged):
//! `npm pack react@18.3.1 react-dom@18.3.1 graphiql@3.8.3`, then for each file
//! `openssl dgst -sha384 -binary FILE | openssl base64 -A`.

/// A script or stylesheet: its URL and its SRI hash.
struct Asset {
    url: &'static str,
    integrity: &'static str,
}

const REACT: Asset = Asset {
    url: "https://unpkg.com/react@18.3.1/umd/react.production.min.js",
    integrity: "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
};
const REACT_DOM: Asset = Asset {
    url: "https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js",
    integrity: "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
};
const GRAPHIQL_JS: Asset = Asset {
    url: "https://unpkg.com/graphiql@3.8.3/graphiql.min.js",
    integrity: "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
};
const GRAPHIQL_CSS: Asset = Asset {
    url: "https://unpkg.com/graphiql@3.8.3/graphiql.min.css",
    integrity: "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
};

/// The page, talking to the endpoint at `/graphql` of the same origin.
pub fn page() -> String {
    let script =
        |a: &Asset| format!(r#"<script src="{}" integrity="{}" crossorigin="anonymous"></script>"#, a.url, a.integrity);
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>hamkor</title>
<link rel="stylesheet" href="{css}" integrity="{css_integrity}" crossorigin="anonymous">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
{react}
{react_dom}
{graphiql}
<script>
  const fetcher = GraphiQL.createFetcher({{ url: new URL("/graphql", window.location.href).href }});
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
  );
</script>
</body>
</html>
"#,
        css = GRAPHIQL_CSS.url,
        css_integrity = GRAPHIQL_CSS.integrity,
        react = script(&REACT),
        react_dom = script(&REACT_DOM),
        graphiql = script(&GRAPHIQL_JS),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_pinned_and_checked() {
        let page = page();
        for asset in [REACT, REACT_DOM, GRAPHIQL_JS, GRAPHIQL_CSS] {
            assert!(page.contains(&format!(r#""{}" integrity="{}""#, asset.url, asset.integrity)), "{}", asset.url);
            assert!(asset.integrity.starts_with("sha384-") && asset.integrity.len() == 71, "{}", asset.integrity);
            // An exact version (x.y.z), and a production build.
            let version = asset.url.split('@').nth(1).and_then(|rest| rest.split('/').next()).unwrap_or_default();
            assert_eq!(version.split('.').filter(|part| part.parse::<u32>().is_ok()).count(), 3, "{}", asset.url);
            assert!(asset.url.contains(".min.") && !asset.url.contains("development"), "{}", asset.url);
        }
    }
}
