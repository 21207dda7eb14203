/// Pipelines: declarative engineering of a labeled dataset and the adapters trained on it.
///
/// - A ``PipelineSpec`` (one YAML file, or the same value built in Swift with the result-builder DSL) names the steps
///   from a raw corpus to a served adapter: data, cleaning constraints, labeling functions, the label model, training,
///   merging, selection, registration in the model repository and deployment.
/// - The executor runs the spec as a step graph. Each step's output is addressed by the hash of its inputs and its own
///   parameters, so a re-run after an edit re-executes only what the edit affects (votes are cached per labeling
///   function, so editing one function re-applies only that column).
/// - Synthesis proposes labeling functions from a few labeled exemplars per class (keywords by lift, shape regexes,
///   embedding similarity), scored by precision, coverage and diversity.
/// - Selection picks the best adapter per task on an evaluation set, or routes each input to an adapter with a router
///   trained on exemplar embeddings.
/// - Every run writes a self-contained `report.html` with SVG plots, plus `run.json`.
public enum Pipelines {}
