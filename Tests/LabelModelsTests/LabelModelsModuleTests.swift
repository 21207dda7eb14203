import Testing
@testable import LabelModels
