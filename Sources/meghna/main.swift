import Foundation
import Vapor
import Web

do {
    try await Meghna.main()
} catch {
    FileHandle.standardError.write(Data("meghna: \(error)\n".utf8))
    exit(1)
}
