/** `chatMessageInfo` on the wire, in the samples' property order. */
import type { ChatMessageInfo } from "@microsoft/microsoft-graph-types";
import type { SimPreview } from "../model.ts";

export function previewJson(preview: SimPreview): ChatMessageInfo {
  return {
    id: preview.id,
    createdDateTime: preview.createdDateTime,
    isDeleted: preview.isDeleted,
    messageType: preview.messageType,
    eventDetail: preview.eventDetail,
    body: preview.body,
    from: preview.from,
  };
}
