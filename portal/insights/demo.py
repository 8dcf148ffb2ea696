"""Demo order lines: what the demo orders contained, so the recommendations and favourite
categories have something to show. A step of its own, run once the orders exist (whoever
generated them), set-based: one INSERT ... SELECT over the orders.

Each customer cooks mostly one cuisine and keeps to a habit: a favourite product of that
cuisine and the ones next to it in the catalogue below, with a pantry staple now and then. So
an order of a Jamaican-cooking customer holds jerk seasoning, pepper sauce and ackee more often
than chance, which is what co-occurrence with lift should find. The randomness is arithmetic on
row numbers (a multiplicative hash), the same on PostgreSQL and SQLite, and from the data alone:
the same orders get the same lines.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, text

from portal.customers import demo as customer_demo
from portal.segmentation.models import CustomerOrderLine

# (product id, category) per cuisine, 8 each; the last group are the staples everyone buys.
CUISINES = {
    "Jamaican": (
        ("prod-jerk-seasoning", "seasonings"),
        ("prod-scotch-bonnet-pepper-sauce", "hot sauces"),
        ("prod-ackee-in-brine", "produce"),
        ("prod-salted-codfish", "seafood"),
        ("prod-callaloo", "produce"),
        ("prod-hardo-bread", "baked goods"),
        ("prod-jerk-pork", "pork"),
        ("prod-overproof-white-rum", "spirits"),
    ),
    "Trinidadian": (
        ("prod-green-seasoning", "seasonings"),
        ("prod-trinidad-pepper-sauce", "hot sauces"),
        ("prod-trini-curry-powder", "seasonings"),
        ("prod-dhalpuri-roti-skins", "baked goods"),
        ("prod-chadon-beni", "produce"),
        ("prod-curry-goat-cuts", "meat"),
        ("prod-channa-chickpeas", "grains"),
        ("prod-angostura-bitters", "spirits"),
    ),
    "Haitian": (
        ("prod-epis-seasoning-base", "seasonings"),
        ("prod-pikliz", "condiments"),
        ("prod-djon-djon-mushrooms", "produce"),
        ("prod-griot-pork-shoulder", "pork"),
        ("prod-diri-kole-rice-and-beans", "grains"),
        ("prod-malanga-root", "produce"),
        ("prod-mamba-peanut-butter", "nuts"),
        ("prod-rhum-barbancourt", "spirits"),
    ),
    "Cuban": (
        ("prod-adobo-seasoning", "seasonings"),
        ("prod-mojo-criollo", "condiments"),
        ("prod-black-beans", "grains"),
        ("prod-cafe-cubano", "beverages"),
        ("prod-guava-paste", "sweets"),
        ("prod-queso-blanco", "dairy"),
        ("prod-cuban-chorizo", "pork"),
        ("prod-pan-cubano", "baked goods"),
    ),
    "Fusion": (
        ("prod-jerk-bbq-sauce", "condiments"),
        ("prod-mango-habanero-sauce", "hot sauces"),
        ("prod-coconut-curry-paste", "seasonings"),
        ("prod-plantain-chips", "snacks"),
        ("prod-tamarind-balls", "sweets"),
        ("prod-spiced-cashews", "nuts"),
        ("prod-rum-cake", "baked goods"),
        ("prod-sorrel-drink", "beverages"),
    ),
    "Puerto Rican": (
        ("prod-sofrito", "seasonings"),
        ("prod-achiote-oil", "condiments"),
        ("prod-gandules-pigeon-peas", "grains"),
        ("prod-pernil-pork-shoulder", "pork"),
        ("prod-tostones-chips", "snacks"),
        ("prod-coquito-mix", "beverages"),
        ("prod-bacalao-salt-cod", "seafood"),
        ("prod-pan-de-agua", "baked goods"),
    ),
    "Staples": (
        ("prod-coconut-milk", "pantry"),
        ("prod-long-grain-rice", "grains"),
        ("prod-red-kidney-beans", "grains"),
        ("prod-green-plantains", "produce"),
        ("prod-fresh-scotch-bonnets", "produce"),
        ("prod-pimento-allspice", "seasonings"),
        ("prod-demerara-sugar", "pantry"),
        ("prod-fine-cornmeal", "grains"),
    ),
}
PER_CUISINE = 8
COOKED = len(CUISINES) - 1  # the cuisines a customer cooks; the last group are staples
MAX_LINES = 4

# Knuth's multiplicative hash of a row number: a well-spread 32-bit number from each row.
_SPREAD = "(({n}) * {factor} + {offset}) % 4294967296"

LINES_SQL = """
WITH catalogue(cuisine, slot, product_id, category) AS (VALUES {catalogue}),
slots(line_no) AS (VALUES {slots}),
people AS (
  SELECT id AS customer_id, {people} AS h FROM customer
),
orders AS (
  SELECT o.order_id, o.customer_id, o.amount_minor, o.placed_at, p.h, {orders} AS g
  FROM customer_order o JOIN people p ON p.customer_id = o.customer_id
  WHERE NOT EXISTS (SELECT 1 FROM customer_order_line l WHERE l.order_id = o.order_id)
),
sized AS (
  SELECT orders.*, 1 + g % {max_lines} AS n FROM orders
),
picked AS (
  SELECT sized.*, s.line_no,
    -- one line in five from the staples, the others from the customer's cuisine
    CASE WHEN (g / (s.line_no * 11)) % 5 = 0 THEN {cooked} ELSE h % {cooked} END AS cuisine,
    -- the favourite, then every first or every third product after it: distinct slots
    (h / {cooked} + (g / 17) % 2 + (s.line_no - 1) * (1 + 2 * ((g / 5) % 2))) % {per} AS slot
  FROM sized JOIN slots s ON s.line_no <= sized.n
)
INSERT INTO customer_order_line
  (order_id, line_no, customer_id, product_id, category, quantity, amount_minor, placed_at)
SELECT p.order_id, p.line_no, p.customer_id, c.product_id, c.category,
  1 + (p.g / (p.line_no * 3)) % 3,
  CASE
    WHEN p.amount_minor <= 0 THEN 0
    WHEN p.line_no = p.n THEN p.amount_minor - (p.n - 1) * (p.amount_minor / p.n)
    ELSE p.amount_minor / p.n
  END,
  p.placed_at
FROM picked p JOIN catalogue c ON c.cuisine = p.cuisine AND c.slot = p.slot
"""


def _lines_sql() -> str:
    catalogue = ", ".join(
        f"({cuisine}, {slot}, '{product}', '{category}')"
        for cuisine, products in enumerate(CUISINES.values())
        for slot, (product, category) in enumerate(products)
    )
    return LINES_SQL.format(
        catalogue=catalogue,
        slots=", ".join(f"({n})" for n in range(1, MAX_LINES + 1)),
        people=_SPREAD.format(n="row_number() OVER (ORDER BY id)", factor=2654435761, offset=7),
        orders=_SPREAD.format(
            n="row_number() OVER (ORDER BY o.order_id)", factor=2246822519, offset=3
        ),
        max_lines=MAX_LINES,
        cooked=COOKED,
        per=PER_CUISINE,
    )


def seed_demo_order_lines(connection: Connection) -> int:
    """Lines for every order that has none; how many lines there are now. On PostgreSQL with
    many orders the index is built after the load (one sort instead of random inserts)."""
    bulk = connection.dialect.name == "postgresql"
    with customer_demo.indexes_built_after(connection, (CustomerOrderLine.__table__,), bulk):
        connection.execute(text(_lines_sql()))
    return connection.scalar(select(func.count()).select_from(CustomerOrderLine))
