"""What a Tryton warehouse user does, over JSON-RPC, for tests and the demo: goods arrive, a sale's
customer shipment is assigned, picked, packed, given its tracking number and done.

    add_stock(client, "ERP-MUG", 10)
    shipment_id = ship_sale(client, sale_id, tracking_number="1Z999AA10123456784")
"""

from __future__ import annotations

from erpsync.connectors.tryton import TrytonClient

SHIPMENT_STEPS = ("assign_try", "pick", "pack")


def location_id(client: TrytonClient, **fields: str) -> int:
    (row,) = client.search_read("stock.location", [[k, "=", v] for k, v in fields.items()], ["id"], limit=1)
    return int(row["id"])


def add_stock(client: TrytonClient, sku: str, quantity: int, *, storage_code: str = "STO") -> None:
    """Goods turn up: a done move from Lost and Found into the storage zone ``storage_code``."""
    (product,) = client.search_read("product.product", [["code", "=", sku]], ["id", "default_uom"])
    (move_id,) = client.create(
        "stock.move",
        [
            {
                "product": product["id"],
                "unit": product["default_uom"],
                "quantity": quantity,
                "from_location": location_id(client, type="lost_found"),
                "to_location": location_id(client, code=storage_code),
            }
        ],
    )
    client.button("stock.move", "do", [move_id])


def ship_sale(client: TrytonClient, sale_id: int, *, tracking_number: str | None = None) -> int:
    """Process the sale's (single) customer shipment to done; the tracking number goes into its reference
    (the connector's convention). Raises AssertionError when stock is short (the shipment stays waiting)."""
    (sale,) = client.read("sale.sale", [sale_id], ["shipments"])
    (shipment_id,) = sale["shipments"]
    for step in SHIPMENT_STEPS:
        client.button("stock.shipment.out", step, [shipment_id])
        (shipment,) = client.read("stock.shipment.out", [shipment_id], ["state"])
        assert shipment["state"] != "waiting", (
            f"shipment {shipment_id} could not be assigned: not enough stock"
        )
    if tracking_number:
        client.write("stock.shipment.out", [shipment_id], {"reference": tracking_number})
    client.button("stock.shipment.out", "do", [shipment_id])
    return int(shipment_id)
