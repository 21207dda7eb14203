import Testing
@testable import Cleaning
