// What the shop pages share: the branches this member may see (``params.may``: only those where
// they may do that), as a <select>; with one branch only, nothing to choose, so it is hidden.
import { $, apiAll, el } from "../console/app.js";

export async function branchPicker(selectId, onChange, params = {}) {
  const branches = await apiAll("/api/shops/branches/", params);
  const select = $(`#${selectId}`);
  select.replaceChildren(...branches.map((b) => el("option", { value: b.id }, `${b.store_name} · ${b.name}`)));
  select.addEventListener("change", () => onChange(Number(select.value)));
  select.closest("label").hidden = branches.length < 2;
  return branches.length ? Number(select.value) : null;
}
