import FoundryTestSupport

/// A tiny pipeline written by the tests: 12 comments, three labeling functions, majority vote.
typealias ExecutionFixture = TinyPipeline
