internal import CNetlink
internal import Glibc

/// A failure below the IPVS layer, before it is given a meaning by the operation that hit it.
///
/// The kernel's errno is kept raw: libnl folds several errnos into one code (ESRCH and ENOENT
/// both become `NLE_OBJ_NOTFOUND`), and IPVS gives those two different meanings.
enum NetlinkError: Error, Hashable {
    /// The kernel answered a request with this errno (positive, e.g. `EEXIST`).
    case kernel(errno: Int32)
    /// libnl failed locally (negative `NLE_*` code): allocation, send or receive.
    case library(code: Int32)
    /// A reply lacked an attribute it must carry.
    case malformedReply(String)

    /// The text of the error, as `strerror` or libnl's `nl_geterror` give it.
    var message: String {
        switch self {
        case .kernel(let errno): String(cString: strerror(errno))
        case .library(let code): "netlink: " + String(cString: nl_geterror(code))
        case .malformedReply(let what): "malformed IPVS reply: \(what)"
        }
    }
}

/// Turns a negative libnl return code into a thrown `NetlinkError.library`.
@discardableResult
func libnlCheck(_ result: Int32) throws(NetlinkError) -> Int32 {
    guard result >= 0 else { throw .library(code: result) }
    return result
}
