import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

/// The typed method choice and configuration: the models they build, and the settings they refuse.
@Suite struct LabelModelConfigurationTests {
    @Test("every method name parses to its method, and the method builds that model type")
    func methodsBuildTheirModels() throws {
        for method in LabelModelMethod.allCases {
            #expect(try LabelModelMethod(name: method.rawValue) == method)
            let model = try LabelModelConfiguration(method: method).makeModel()
            #expect(type(of: model).methodName == method.rawValue)
        }
        #expect(LabelModelMethod.allCases.filter(\.usesDevSet) == [.wmv, .auto])
        #expect(LabelModelMethod.allCases.filter(\.usesMomentSettings) == [.moments, .auto])
    }

    @Test("moment settings reach the moment model alone and inside auto; the dev metric reaches auto")
    func settingsReachTheModel() throws {
        let configuration = LabelModelConfiguration(
            method: .moments, l2: 0.5, dependencies: [[0, 3], [1, 2]], predictionFloor: 0.02)
        let moments = try #require(try configuration.makeModel() as? MomentMatching)
        #expect(moments.configuration.l2 == 0.5)
        #expect(moments.configuration.dependencies == [[0, 3], [1, 2]])
        #expect(moments.configuration.predictionFloor == 0.02)
        var forAuto = configuration.applied(to: .auto)
        forAuto.devMetric = .accuracy
        let auto = try #require(try forAuto.makeModel() as? AutoLabelModel)
        #expect(auto.configuration.moments == moments.configuration)
        #expect(auto.configuration.devSelectionMetric == .accuracy)
        // Unset settings keep each model's defaults, so default configurations build default models.
        let plain = try #require(try LabelModelConfiguration(method: .auto).makeModel() as? AutoLabelModel)
        #expect(plain == AutoLabelModel())
        #expect(LabelModelConfiguration().effectiveDevMetric == AutoLabelModel.Configuration().devSelectionMetric)
    }

    @Test("applied(to:) keeps only the settings that apply to the other method")
    func appliedKeepsWhatApplies() {
        let configuration = LabelModelConfiguration(
            method: .auto, l2: 0.3, dependencies: [[0, 1]], predictionFloor: 0.05, devMetric: .accuracy)
        #expect(configuration.applied(to: .mv) == LabelModelConfiguration(method: .mv))
        #expect(
            configuration.applied(to: .moments)
                == LabelModelConfiguration(
                    method: .moments, l2: 0.3, dependencies: [[0, 1]], predictionFloor: 0.05))
        #expect(configuration.applied(to: .auto) == configuration)
    }

    @Test("out-of-range or misplaced settings are refused, naming the setting")
    func invalidSettingsAreRefused() {
        let cases: [(LabelModelConfiguration, String)] = [
            (LabelModelConfiguration(method: .moments, l2: -1), "l2 must be a finite number ≥ 0, got -1.0"),
            (LabelModelConfiguration(method: .moments, l2: .infinity), "l2 must be a finite number ≥ 0"),
            (LabelModelConfiguration(method: .auto, predictionFloor: 0.5), "prediction floor must lie in [0, 0.5)"),
            (LabelModelConfiguration(method: .moments, dependencies: [[2, 2]]), "two different LF column indices"),
            (LabelModelConfiguration(method: .moments, dependencies: [[0, 1, 2]]), "got [0, 1, 2]"),
            (LabelModelConfiguration(method: .mv, l2: 0.1), "configure moments and auto only, not mv"),
            (LabelModelConfiguration(method: .triplet, predictionFloor: 0.1), "not triplet"),
            (LabelModelConfiguration(method: .moments, devMetric: .accuracy), "does not apply to moments"),
        ]
        for (configuration, message) in cases {
            #expect {
                try configuration.makeModel()
            } throws: { error in
                guard case let .invalidConfiguration(text) = error as? LabelModelsError else { return false }
                return text.contains(message)
            }
        }
    }
}
