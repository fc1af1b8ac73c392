// Times arrive in UTC; show them in the reader's own time zone, keeping UTC in the tooltip.
document.querySelectorAll("time[datetime]").forEach((element) => {
  const moment = new Date(element.getAttribute("datetime"));
  if (!Number.isNaN(moment.getTime())) {
    element.title = element.textContent;
    element.textContent = moment.toLocaleString(undefined, {
      dateStyle: "medium",
      timeStyle: "short",
    });
  }
});
