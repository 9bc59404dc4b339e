import Foundation
import SchemaCLI

let status = await SchemaCommand.execute(Array(CommandLine.arguments.dropFirst()))
exit(status)
