/**
 * `call Service.Method '{json}'`: any RPC of the contract, driven by the generated descriptors,
 * with proto JSON in and out (the same JSON as the Connect protocol's), so an RPC without a
 * curated verb is one command away.
 */
import { fromJson, toJson, type DescMethod, type DescService, type JsonValue, type Message } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { CONTROL_PLANE_SERVICES } from "../client/index.js";
import { UsageError, type Command, type Ctx } from "./command.js";

const SERVICES: readonly DescService[] = CONTROL_PLANE_SERVICES;

/** Every RPC, one line per service, for help and for error messages. */
export function describeRpcs(): string {
  return SERVICES.map((s) => `  ${s.name}: ${s.methods.map((m) => m.name).join(", ")}`).join("\n");
}

/**
 * `TenantService.ListAuditEvents`, `TenantService/ListAuditEvents` or the full name
 * (`trueparser.controlplane.v1.TenantService/ListAuditEvents`, as in a Connect URL path).
 */
export function findMethod(name: string): DescMethod {
  const cut = name.includes("/") ? name.lastIndexOf("/") : name.lastIndexOf(".");
  const serviceName = cut > 0 ? name.slice(0, cut) : name;
  const methodName = cut > 0 ? name.slice(cut + 1) : "";
  const service = SERVICES.find((s) => s.name === serviceName || s.typeName === serviceName);
  if (!service) {
    throw new UsageError(`unknown service "${serviceName}": name an RPC as Service.Method, one of\n${describeRpcs()}`);
  }
  const method = service.methods.find((m) => m.name === methodName);
  if (!method) {
    const what = methodName === "" ? "name a method of" : `unknown method "${methodName}" in`;
    throw new UsageError(`${what} ${service.name}: its methods are ${service.methods.map((m) => m.name).join(", ")}`);
  }
  return method;
}

/** The request from the argument (`-`: standard input; none: `{}`), refused with what is wrong. */
async function readRequest(ctx: Ctx, method: DescMethod): Promise<Message> {
  const source = ctx.args[1];
  let text = source ?? "{}";
  if (source === "-") {
    if (!ctx.io.readStdin) throw new UsageError("no standard input to read the request from");
    text = await ctx.io.readStdin();
  }
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new UsageError(`the request is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return fromJson(method.input, json);
  } catch (err) {
    // protobuf-es names the field and the value it could not read.
    throw new UsageError(`the request is not a ${method.input.name}: ${(err as Error).message}`);
  }
}

function printJson(ctx: Ctx, method: DescMethod, message: Message, indent: number): void {
  ctx.io.out(JSON.stringify(toJson(method.output, message), null, indent) + "\n");
}

export const call: Command = {
  usage: "call Service.Method ['{json}' | -]   (any RPC, proto JSON in and out; - reads standard input)",
  async run(ctx) {
    const name = ctx.args[0];
    if (name === undefined || name === "") throw new UsageError(`missing Service.Method, one of\n${describeRpcs()}`);
    const method = findMethod(name);
    if (ctx.args.length > 2) throw new UsageError("too many arguments: give the request as one JSON argument (quote it)");
    const request = await readRequest(ctx, method);
    // A client built from the descriptor at run time: its methods are keyed by `localName`.
    const client = createClient(method.parent, ctx.cp.transport) as unknown as Record<string, (req: Message, opts?: { timeoutMs?: number }) => unknown>;
    const invoke = client[method.localName]!;
    switch (method.methodKind) {
      case "unary":
        printJson(ctx, method, (await invoke(request)) as Message, 2);
        return;
      case "server_streaming":
        // One JSON document per line as the answers arrive; no deadline (a watch may run for long).
        for await (const message of invoke(request, { timeoutMs: 0 }) as AsyncIterable<Message>) printJson(ctx, method, message, 0);
        return;
      default:
        throw new UsageError(`${method.parent.name}.${method.name} streams requests (${method.methodKind}); call sends one request`);
    }
  },
};
