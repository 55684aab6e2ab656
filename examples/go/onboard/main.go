// Command onboard registers and activates a tenant and creates an app with the generated Go gRPC
// stubs (gen/go):
//
//	go run ./examples/go/onboard -target localhost:8080 -operator-token "$(cat .data/operator-token)"
//
// CI compiles it (scripts/check-gen-go.sh) so the README's Go snippet stays true to the stubs.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	cp "github.com/trueparser/control-plane/gen/go/trueparser/controlplane/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

func main() {
	target := flag.String("target", "localhost:8080", "host:port of the control plane (plaintext HTTP/2)")
	token := flag.String("operator-token", os.Getenv("OPERATOR_TOKEN"), "operator token")
	flag.Parse()

	// WithInsecure rather than credentials/insecure: the latter is missing from the gRPC-Go
	// release Debian bookworm ships (1.33), and both mean plaintext.
	conn, err := grpc.Dial(*target, grpc.WithInsecure())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+*token)

	tenants := cp.NewTenantServiceClient(conn)
	apps := cp.NewAppServiceClient(conn)
	registered, err := tenants.RegisterTenant(ctx, &cp.RegisterTenantRequest{DisplayName: "Go Example Ltd", OwnerEmail: "ops@go.example"})
	if err != nil {
		log.Fatal(err)
	}
	tenantID := registered.GetTenant().GetTenantId()
	if _, err := tenants.ActivateTenant(ctx, &cp.ActivateTenantRequest{TenantId: tenantID}); err != nil {
		log.Fatal(err)
	}
	created, err := apps.CreateApp(ctx, &cp.CreateAppRequest{TenantId: tenantID, DisplayName: "Go backend", LicenseRegion: "eu"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("tenant %s, app %s, client_id %s, client_secret %s\n",
		tenantID, created.GetApp().GetAppId(), created.GetApp().GetClientId(), created.GetClientSecret())
}
