import MissionStore
import Testing

@Suite struct StoreURLTests {
    @Test(arguments: [
        ("postgres://u:secret@h:5432/db", "postgres://u:***@h:5432/db"),
        ("postgresql://u:secret@h1:5432,h2:5433/db?sslmode=require", "postgresql://u:***@h1:5432,h2:5433/db?sslmode=require"),
        ("postgres://u@h/db", "postgres://u@h/db"),
        ("postgres://h/db?user=u&password=secret&sslmode=verify-full", "postgres://h/db?user=u&password=***&sslmode=verify-full"),
        ("host=h user=u password=secret dbname=db", "host=h user=u password=*** dbname=db"),
        ("postgres://u:p%40ss@h/db", "postgres://u:***@h/db"),
    ])
    func passwords_never_show(url: String, shown: String) {
        #expect(StoreURL.redacted(url) == shown)
        #expect(StoreURL.problem(with: url) == nil)
    }

    @Test func what_is_not_a_postgresql_store_is_said_so() {
        #expect(StoreURL.problem(with: "mysql://u@h/db")?.contains("PostgreSQL connection URI") == true)
        #expect(StoreURL.problem(with: "./data")?.contains("PostgreSQL connection URI") == true)
    }
}
