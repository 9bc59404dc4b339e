import Dispatch
import Foundation
import SchemaCore

/// What the package files want, for one start: read before its first transaction, or still
/// being read on another thread while that transaction runs its statements (SQLite, where the
/// statements keep one core busy and reading the files would otherwise wait for nothing).
///
/// A transaction that began before the files were read derives from the queued structures and
/// the host's render context, and confirms before it commits that the files agree with what it
/// assumed (``ApplyEngine/confirm(_:with:)``); when they do not, it rolls back and the start runs
/// again with the files read (``ApplyEngine/SpeculationMissed``). Either way, what commits is
/// exactly what a start that read the files first would commit.
final class DesiredSource: @unchecked Sendable {
    // @unchecked: `result` is written once, by the reading thread, before `group` is left;
    // it is read only after `group.wait()`. `read` and `wasRead` are used under `lock`.
    private let group = DispatchGroup()
    private var result: DesiredState?
    private let lock = NSLock()
    private var read: (@Sendable () -> DesiredState)?
    /// Whether ``desired()`` returned once: later transactions prepare with the files read.
    private var wasRead = false
    /// The host's render context a transaction uses before the files are read; nil when they
    /// were read first.
    let speculativeContext: RenderContext?

    /// Files already read.
    init(ready desired: DesiredState) {
        result = desired
        speculativeContext = nil
    }

    /// Files read on another thread from ``startReading()`` on; `context` is the host's render
    /// context read on this one (the host schema and settings, without the package files).
    init(reading read: @escaping @Sendable () -> DesiredState, context: RenderContext) {
        speculativeContext = context
        self.read = read
    }

    /// Starts reading the files on another thread (once). A start calls it when its transaction
    /// begins its statements, which keep one core busy: before that, reading would compete for
    /// the cores that decode and verify the approved items.
    func startReading() {
        guard let read = lock.withLock({ () -> (@Sendable () -> DesiredState)? in defer { self.read = nil }; return self.read }) else { return }
        group.enter()
        DispatchQueue.global().async { [self] in
            result = read()
            group.leave()
        }
    }

    /// What a first transaction prepares with: the desired state and its render context when
    /// the files were read first; while they are being read, nil and the host's render context.
    func forPreparing() throws -> (desired: DesiredState?, context: RenderContext) {
        if let speculativeContext, !lock.withLock({ wasRead }) { return (nil, speculativeContext) }
        let desired = try desired()
        return (desired, desired.renderContext)
    }

    /// The desired state, once read (waits for the reading thread).
    ///
    /// - Throws: ``SchemaError`` `invalid-packages` when the files have errors.
    func desired() throws -> DesiredState {
        startReading()
        group.wait()
        guard let desired = result else { throw SchemaError(.invalidPackages, "nothing was applied: the package files could not be read") }
        guard desired.isValid else {
            throw SchemaError(.invalidPackages, "nothing was applied: the package files have errors", diagnostics: desired.errors)
        }
        lock.withLock { wasRead = true }
        return desired
    }
}
