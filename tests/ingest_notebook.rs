//! The notebook example is a real Jupyter notebook that goes through the command
//! line and back into pandas. `.ci/run` executes it headlessly
//! (`examples/notebook/run.sh`); this test checks its shape without Python, so a
//! broken notebook file fails `cargo test` too.

use std::path::PathBuf;

fn notebook() -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/notebook/headroom.ipynb");
    let text = std::fs::read_to_string(&path).expect("the notebook exists");
    serde_json::from_str(&text).expect("the notebook is JSON")
}

fn code_cells(nb: &serde_json::Value) -> Vec<String> {
    nb["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .filter(|c| c["cell_type"] == "code")
        .map(|c| match &c["source"] {
            serde_json::Value::Array(lines) => lines.iter().filter_map(|l| l.as_str()).collect(),
            other => other.as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

#[test]
fn notebook_is_nbformat_4_without_stored_outputs() {
    let nb = notebook();
    assert_eq!(nb["nbformat"], 4);
    assert_eq!(nb["metadata"]["kernelspec"]["name"], "python3");
    for cell in nb["cells"].as_array().unwrap() {
        if cell["cell_type"] == "code" {
            // Outputs come from running it, never from the repository.
            assert_eq!(cell["outputs"], serde_json::json!([]));
        }
    }
}

#[test]
fn notebook_uses_the_package_and_the_command_line_agrees() {
    let code = code_cells(&notebook()).join("\n");
    for needle in [
        "pd.DataFrame",
        "headroom.forecast(metrics",
        "headroom.saturation(metrics",
        "headroom.plot(metrics",
        ".to_csv(",
        "\"saturation\", \"--input\"",
        "pd.read_csv(table",
    ] {
        assert!(code.contains(needle), "the notebook has no {needle}");
    }
}

#[test]
fn ci_runs_the_notebook() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    assert!(ci.contains("examples/notebook/run.sh"));
    let script = std::fs::read_to_string(root.join("examples/notebook/run.sh")).unwrap();
    assert!(script.contains("nbconvert --to notebook --execute"));
}
