package main
import ("fmt";"os";"time";"github.com/coopbot/coopbot/retrieval/semantic";"github.com/coopbot/coopbot/retrieval/snowball")
func main(){ t:=time.Now(); v,err:=semantic.Load(); fmt.Println(time.Since(t), err, v.Len())
 a:=os.Args[1:]
 for i:=0;i+1<len(a);i+=2 { x,y:=snowball.Stem(a[i]),snowball.Stem(a[i+1]); fmt.Printf("%s/%s %.3f\n",x,y,v.Similarity(x,y)) } }
