// What the shop pages share: the branches this member may see, as a <select>.
import { $, apiAll, el } from "./app.js";

export async function branchPicker(selectId, onChange) {
  const branches = await apiAll("/api/shops/branches/");
  const select = $(`#${selectId}`);
  select.replaceChildren(...branches.map((b) => el("option", { value: b.id }, `${b.store_name} · ${b.name}`)));
  select.addEventListener("change", () => onChange(Number(select.value)));
  return branches.length ? Number(select.value) : null;
}
