// What the order pages share: status names and a per-order store that keeps the highest version.
import { apiAll, gettext } from "../console/app.js";

export const STATUS = {
  created: () => gettext("Created"),
  dispatched: () => gettext("Sent to provider"),
  processing: () => gettext("Processing"),
  completed: () => gettext("Completed"),
  failed: () => gettext("Failed"),
  cancelled: () => gettext("Cancelled"),
};
export const STATUS_TAG = { completed: "good", failed: "bad", cancelled: "bad", created: "warn", dispatched: "warn", processing: "warn" };
export const statusName = (status) => STATUS[status]?.() ?? status;

export class OrderStore {
  constructor(render) {
    this.orders = new Map();
    this.render = render;
  }

  // Events about orders we have not loaded (new ones) reload the list, at most twice a second.
  reloadSoon(params = {}) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(params).catch(() => {}), 500);
  }

  async load(params = {}) {
    const rows = await apiAll("/api/orders/", { page_size: 100, ...params }, 100);
    this.orders = new Map(rows.map((row) => [row.id, row]));
    this.render();
  }

  // Returns false when the event is about an order we have not loaded.
  apply(event) {
    const data = event.data;
    const order = this.orders.get(data.order_id);
    if (!order) return false;
    if (event.type === "order.status_changed" && data.version > order.version) {
      Object.assign(order, { status: data.status, version: data.version, failure_message: data.message, provider_reference: data.provider_reference });
    } else if (event.type === "order.pin_ready") {
      order.pin = data.pin;
    }
    this.render();
    return true;
  }
}
