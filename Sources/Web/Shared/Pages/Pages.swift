import Foundation
import Vapor

/// Every area's pages: `pages` carries flash and CSRF, `signedIn` also a page session.
enum Pages {
    static func register(_ app: Application) throws {
        let pages = app.grouped(FlashMiddleware(), CSRFMiddleware())
        let signedIn = pages.grouped(PageAuthenticationMiddleware())
        for area in AreaModules.all { area.registerPages(pages: pages, signedIn: signedIn) }
    }
}
