// The login page's only script: switch language as soon as one is picked.
document.querySelector(".lang select")?.addEventListener("change", (event) => event.target.form.requestSubmit());
