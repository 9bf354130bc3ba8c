package evaluate_test

import (
	"fmt"

	"detector/evaluate"
)

func ExampleCompute() {
	root := "Attack_Data_Master"
	attack := func(path string, score float64) evaluate.Sample {
		return evaluate.Sample{Name: path, Score: score, Attack: true, Family: evaluate.Family(root, path)}
	}
	samples := []evaluate.Sample{
		{Name: "normal/1.txt", Score: 0.8},
		{Name: "normal/2.txt", Score: 0.3},
		{Name: "normal/3.txt", Score: -0.2}, // a false alarm
		{Name: "normal/4.txt", Score: 1.1},
		attack(root+"/Hydra_FTP_1/a.txt", -0.9),
		attack(root+"/Hydra_FTP_2/b.txt", -0.4),
		attack(root+"/Adduser_1/c.txt", 0.5), // missed
	}
	r := evaluate.Compute(samples)
	fmt.Printf("AUC %.3f, DR at 5%% FA %.3f\n", r.AUC, r.DRAtFA["0.05"])
	fmt.Printf("%+v\n", r.Confusion)
	fmt.Printf("precision %.3f recall %.3f F1 %.3f\n", r.Precision, r.Recall, r.F1)
	for _, name := range []string{"Adduser", "Hydra_FTP"} {
		f := r.Families[name]
		fmt.Printf("%s: %d/%d detected, AUC %.3f\n", name, f.Detected, f.Attack, f.AUC)
	}
	// Output:
	// AUC 0.833, DR at 5% FA 0.667
	// {TP:2 FP:1 TN:3 FN:1}
	// precision 0.667 recall 0.667 F1 0.667
	// Adduser: 0/1 detected, AUC 0.500
	// Hydra_FTP: 2/2 detected, AUC 1.000
}
